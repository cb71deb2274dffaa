import { formatAge } from "./age.js";
import { type Style, plain } from "./style.js";

// Human summaries of `health` and `status` payloads. Only fields the payload carries are
// printed; anything unexpected is simply left out (`--json` shows all).

interface HealthLike {
  ok?: unknown;
  durationMs?: unknown;
  services?: unknown;
  edges?: unknown;
  sessions?: { count?: unknown; recent?: unknown };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** A scalar as text; anything else (missing, an object) as the fallback. */
const text = (v: unknown, fallback: string) => (typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : fallback);

export function healthLines(payload: unknown, style: Style = plain): string[] {
  const h = (isObject(payload) ? payload : {}) as HealthLike;
  const lines = [style.heading("Gateway Health")];
  const ms = typeof h.durationMs === "number" ? ` (${h.durationMs}ms)` : "";
  lines.push(h.ok === false ? `${style.error("NOT OK")}${ms}` : `${style.success("OK")}${ms}`);
  if (isObject(h.services)) {
    const names = Object.keys(h.services).sort();
    lines.push(`Services: ${names.length === 0 ? "none" : ""}`.trimEnd());
    for (const name of names) {
      const s = h.services[name] as { replicas?: unknown[]; methods?: unknown };
      const replicas = Array.isArray(s?.replicas) ? s.replicas.length : 0;
      const methods = typeof s?.methods === "number" ? `, ${s.methods} methods` : "";
      lines.push(`  ${name}: ${replicas} replica${replicas === 1 ? "" : "s"}${methods}`);
    }
  }
  if (Array.isArray(h.edges)) {
    lines.push(`Edges: ${h.edges.length}`);
    for (const edge of h.edges as { edgeId?: unknown; host?: unknown; connections?: unknown }[]) {
      const host = text(edge.host, "");
      lines.push(`  ${text(edge.edgeId, "?")}${host ? ` on ${host}` : ""}: ${text(edge.connections, "0")} connection(s)`);
    }
  }
  if (isObject(h.sessions) && typeof h.sessions.count === "number") lines.push(`Sessions: ${h.sessions.count}`);
  return lines;
}

export function statusLines(payload: unknown, context: { url: string; serverVersion?: string | undefined; methods: number }, style: Style = plain): string[] {
  const status = isObject(payload) ? payload : {};
  const lines = [style.heading("Gateway Status"), `Gateway: ${context.url}${context.serverVersion ? ` (server ${context.serverVersion})` : ""} · ${context.methods} methods`];
  const sessions = isObject(status.sessions) ? status.sessions : undefined;
  if (sessions) {
    const paths = Array.isArray(sessions.paths) ? sessions.paths.join(", ") : undefined;
    lines.push(`Sessions: ${typeof sessions.count === "number" ? sessions.count : "?"}${paths ? ` (${paths})` : ""}`);
    const recent = Array.isArray(sessions.recent) ? (sessions.recent as { key?: unknown; age?: unknown }[]) : [];
    for (const r of recent.slice(0, 5)) lines.push(`  ${text(r.key, "?")}  ${formatAge(typeof r.age === "number" ? r.age : null)}`);
  }
  const heartbeat = isObject(status.heartbeat) ? status.heartbeat : undefined;
  const agents = heartbeat && Array.isArray(heartbeat.agents) ? (heartbeat.agents as { agentId?: unknown; every?: unknown }[]) : [];
  for (const a of agents) lines.push(`Heartbeat ${text(a.agentId, "?")}: ${text(a.every, "-")}`);
  return lines;
}
