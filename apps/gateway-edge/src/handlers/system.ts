import { GatewayError, type PresenceEntry } from "@clawdbot/protocol";
import type { Connection } from "../connection.js";
import type { HealthView } from "../health.js";
import { JsonMemo } from "../json-payload.js";
import type { PresenceStore } from "../presence.js";

/** A method the edge answers itself (ARCHITECTURE §3a, edge-local answers). */
export type LocalHandler = (params: Record<string, unknown>, conn: Connection) => unknown;

export interface SystemDeps {
  presence: PresenceStore;
  health: HealthView;
  /** Tells every edge that presence changed (a `presence` event through the bus). */
  announcePresence: () => void;
  /** Sends a `health` event to this edge's clients after a refresh. */
  broadcastHealth: () => void;
}

const STRING_FIELDS = ["deviceId", "instanceId", "host", "ip", "mode", "version", "platform", "deviceFamily", "modelIdentifier", "reason"] as const;
const LIST_FIELDS = ["roles", "scopes", "tags"] as const;

/** The presence key of a system event (spec §7.3): deviceId, instanceId, `Node: host (ip)`, ip, or the text. */
function systemEventKey(entry: PresenceEntry, text: string): string {
  if (entry.deviceId) return entry.deviceId;
  if (entry.instanceId) return entry.instanceId;
  const node = /^Node:\s*([^\s(]+)\s*(?:\(([^)]+)\))?/.exec(text);
  if (node) return `${node[1]}${node[2] ? ` (${node[2]})` : ""}`;
  if (entry.ip) return entry.ip;
  return text.slice(0, 64);
}

/** `health`, `status`, `system-presence` and `system-event`, from the edge's cached views. */
export function systemHandlers(deps: SystemDeps): Record<string, LocalHandler> {
  // Serialised once per state version (and at most a second old): these are the calls every
  // client polls, and JSON.stringify of them cost more than the rest of the call.
  const healthJson = new JsonMemo(1_000);
  const statusJson = new JsonMemo(1_000);
  const presenceJson = new JsonMemo(1_000);
  const versions = () => `${deps.health.version}:${deps.presence.revision}`;
  return {
    // Without `probe`, built from views the edge already holds (no NATS round trip); a probe
    // asks the services, refreshes the cache and tells every client (spec §7.1).
    health: (params) => {
      if (params.probe !== true) return healthJson.get(versions(), () => deps.health.current());
      return deps.health.refresh(true).then((summary) => {
        deps.broadcastHealth();
        return summary;
      });
    },
    status: () => statusJson.get(versions(), () => deps.health.status()),
    "system-presence": () => presenceJson.get(String(deps.presence.revision), () => deps.presence.list()),
    "system-event": async (params) => {
      const text = typeof params.text === "string" ? params.text.trim() : "";
      if (!text) throw new GatewayError("INVALID_REQUEST", "system-event requires text");
      const entry: PresenceEntry = { text, ts: Date.now() };
      for (const field of STRING_FIELDS) {
        const value = params[field];
        if (typeof value === "string" && value) entry[field] = value;
      }
      for (const field of LIST_FIELDS) {
        const value = params[field];
        if (Array.isArray(value)) entry[field] = value.filter((v): v is string => typeof v === "string" && v.length > 0);
      }
      if (typeof params.lastInputSeconds === "number" && Number.isInteger(params.lastInputSeconds) && params.lastInputSeconds >= 0) {
        entry.lastInputSeconds = params.lastInputSeconds;
      }
      await deps.presence.report(systemEventKey(entry, text), entry);
      deps.announcePresence();
      return { ok: true };
    },
  };
}
