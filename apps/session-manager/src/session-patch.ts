import { randomUUID } from "node:crypto";
import { type SessionsPatchParams, invalidRequest } from "@clawdbot/protocol";
import { isSubagentSessionKey } from "./session-keys.js";
import type { SessionEntry } from "./session-store.js";

// `sessions.patch` and `sessions.reset` as pure functions of the stored entry (spec §7.4), so the
// store can re-run them after a compare-and-set conflict.

export interface PatchContext {
  key: string;
  now: number;
  /** True when another session already has this label (labels are unique across the store). */
  labelTaken: (label: string) => boolean;
  /** The catalog's model for a `model` value, or undefined when it is not allowed. */
  resolveModel: (model: string) => { provider: string; id: string } | undefined;
}

export function newSessionEntry(now: number): SessionEntry {
  return { sessionId: randomUUID(), updatedAt: now };
}

type Normalizer = (value: string) => string | undefined;

const oneOf =
  (...values: string[]): Normalizer =>
  (value) => {
    const v = value.trim().toLowerCase();
    return values.includes(v) ? v : undefined;
  };

const THINK_ALIASES: Record<string, string> = { on: "low", enable: "low", enabled: "low", think: "low", min: "minimal", med: "medium", mid: "medium", max: "high", highest: "high", none: "off", disable: "off", disabled: "off" };
const normalizeThink: Normalizer = (value) => {
  const v = value.trim().toLowerCase();
  return ["off", "minimal", "low", "medium", "high", "xhigh"].includes(v) ? v : THINK_ALIASES[v];
};
const BOOL_ALIASES: Record<string, string> = { true: "on", yes: "on", "1": "on", false: "off", no: "off", "0": "off" };
const withBoolAliases =
  (base: Normalizer): Normalizer =>
  (value) =>
    base(value) ?? base(BOOL_ALIASES[value.trim().toLowerCase()] ?? "");

const LEVELS: { field: "thinkingLevel" | "verboseLevel" | "reasoningLevel" | "elevatedLevel" | "execHost" | "execSecurity" | "execAsk"; normalize: Normalizer; hint: string }[] = [
  { field: "thinkingLevel", normalize: normalizeThink, hint: "off|minimal|low|medium|high|xhigh" },
  { field: "verboseLevel", normalize: withBoolAliases(oneOf("on", "off", "full")), hint: "on|off" },
  { field: "reasoningLevel", normalize: withBoolAliases(oneOf("on", "off", "stream")), hint: "on|off|stream" },
  { field: "elevatedLevel", normalize: withBoolAliases(oneOf("on", "off", "ask", "full")), hint: "on|off|ask|full" },
  { field: "execHost", normalize: oneOf("sandbox", "gateway", "node"), hint: "sandbox|gateway|node" },
  { field: "execSecurity", normalize: oneOf("deny", "allowlist", "full"), hint: "deny|allowlist|full" },
  { field: "execAsk", normalize: oneOf("off", "on-miss", "always"), hint: "off|on-miss|always" },
];

/**
 * Applies a patch: each field takes its value or `null` to clear it; a missing entry is created
 * with a new sessionId. Throws INVALID_REQUEST with the original's wording on a bad value.
 */
export function applySessionPatch(current: SessionEntry | undefined, patch: SessionsPatchParams, ctx: PatchContext): SessionEntry {
  const next: SessionEntry = current ? { ...current } : newSessionEntry(ctx.now);

  if (patch.label !== undefined) {
    if (patch.label === null) delete next.label;
    else {
      const label = patch.label.trim();
      if (!label) throw invalidRequest("invalid label: empty");
      if (label.length > 64) throw invalidRequest("invalid label: too long (max 64)");
      if (ctx.labelTaken(label)) throw invalidRequest(`label already in use: ${label}`);
      next.label = label;
    }
  }

  for (const { field, normalize, hint } of LEVELS) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === null) {
      delete next[field];
      continue;
    }
    const normalized = normalize(value);
    if (!normalized) throw invalidRequest(`invalid ${field} (use ${hint})`);
    next[field] = normalized;
  }

  if (patch.execNode !== undefined) {
    const node = patch.execNode?.trim();
    if (node) next.execNode = node;
    else delete next.execNode;
  }

  if (patch.responseUsage !== undefined) {
    if (patch.responseUsage === null) delete next.responseUsage;
    else next.responseUsage = patch.responseUsage === "on" ? "tokens" : patch.responseUsage;
  }

  if (patch.model !== undefined) {
    if (patch.model === null) {
      delete next.modelOverride;
      delete next.providerOverride;
    } else {
      const model = ctx.resolveModel(patch.model.trim());
      if (!model) throw invalidRequest(`model not allowed: ${patch.model}`);
      next.modelOverride = model.id;
      next.providerOverride = model.provider;
    }
  }

  if (patch.spawnedBy !== undefined) {
    if (!isSubagentSessionKey(ctx.key)) throw invalidRequest("spawnedBy is only supported for subagent:* sessions");
    const existing = typeof current?.spawnedBy === "string" ? current.spawnedBy : undefined;
    if (patch.spawnedBy === null) {
      if (existing) throw invalidRequest("spawnedBy cannot be cleared once set");
    } else {
      const value = patch.spawnedBy.trim();
      if (existing && existing !== value) throw invalidRequest("spawnedBy cannot be changed once set");
      next.spawnedBy = value;
    }
  }

  for (const field of ["sendPolicy", "groupActivation"] as const) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }

  next.updatedAt = Math.max(typeof current?.updatedAt === "number" ? current.updatedAt : 0, ctx.now);
  return next;
}

/** What `sessions.reset` keeps from the old entry (spec §7.4), next to the model overrides. */
const KEPT_ON_RESET = [
  "thinkingLevel",
  "verboseLevel",
  "reasoningLevel",
  "responseUsage",
  "model",
  "modelOverride",
  "providerOverride",
  "contextTokens",
  "sendPolicy",
  "label",
  "origin",
  "lastChannel",
  "lastTo",
  "skillsSnapshot",
];

/** A new sessionId and fresh counters; the old transcript stays where it is. */
export function resetSessionEntry(current: SessionEntry | undefined, now: number): SessionEntry {
  const next: SessionEntry = { ...newSessionEntry(now), systemSent: false, abortedLastRun: false, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  for (const field of KEPT_ON_RESET) if (current && current[field] !== undefined) next[field] = current[field];
  return next;
}
