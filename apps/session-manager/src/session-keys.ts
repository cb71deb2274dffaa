// Session keys and their normalization, as the original resolves them (spec §9.1). Pure: the
// config view is passed in, so every replica canonicalizes the same way.

export const DEFAULT_AGENT_ID = "main";
export const DEFAULT_MAIN_KEY = "main";

const VALID_AGENT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const INVALID_AGENT_CHARS = /[^a-z0-9_-]+/g;

/** What key resolution needs from the config (`agents.list`, `session.mainKey`, `session.scope`). */
export interface SessionKeyConfig {
  defaultAgentId: string;
  mainKey: string;
  scope: "per-sender" | "global";
}

export const DEFAULT_SESSION_KEY_CONFIG: SessionKeyConfig = { defaultAgentId: DEFAULT_AGENT_ID, mainKey: DEFAULT_MAIN_KEY, scope: "per-sender" };

/** Lowercase `[a-z0-9][a-z0-9_-]{0,63}`; other runs of characters become `-`; empty is `main`. */
export function normalizeAgentId(value: string | null | undefined): string {
  const trimmed = (value ?? "").trim();
  if (!trimmed) return DEFAULT_AGENT_ID;
  if (VALID_AGENT_ID.test(trimmed)) return trimmed.toLowerCase();
  const cleaned = trimmed.toLowerCase().replace(INVALID_AGENT_CHARS, "-").replace(/^-+/, "").replace(/-+$/, "").slice(0, 64);
  return cleaned || DEFAULT_AGENT_ID;
}

export function normalizeMainKey(value: string | null | undefined): string {
  const trimmed = (value ?? "").trim();
  return trimmed ? trimmed.toLowerCase() : DEFAULT_MAIN_KEY;
}

/** `agent:<agentId>:<rest>` split into its parts, or null for any other key. */
export function parseAgentSessionKey(key: string | null | undefined): { agentId: string; rest: string } | null {
  const parts = (key ?? "").trim().split(":").filter(Boolean);
  if (parts.length < 3 || parts[0] !== "agent") return null;
  const agentId = parts[1]!.trim();
  const rest = parts.slice(2).join(":");
  return agentId && rest ? { agentId, rest } : null;
}

export function buildAgentMainSessionKey(agentId: string, mainKey: string): string {
  return `agent:${normalizeAgentId(agentId)}:${normalizeMainKey(mainKey)}`;
}

/** The main session: `global` under `session.scope="global"`, else `agent:<default>:<mainKey>`. */
export function resolveMainSessionKey(cfg: SessionKeyConfig): string {
  if (cfg.scope === "global") return "global";
  return buildAgentMainSessionKey(cfg.defaultAgentId, cfg.mainKey);
}

/** `main`, the mainKey, `agent:<id>:main` and `agent:<id>:<mainKey>` all name the agent's main session. */
export function canonicalizeMainSessionAlias(cfg: SessionKeyConfig, agentId: string, key: string): string {
  const raw = key.trim();
  if (!raw) return raw;
  const mainKey = normalizeMainKey(cfg.mainKey);
  const agentMain = buildAgentMainSessionKey(agentId, mainKey);
  const agentMainAlias = buildAgentMainSessionKey(agentId, DEFAULT_MAIN_KEY);
  const isMainAlias = raw === "main" || raw === mainKey || raw === agentMain || raw === agentMainAlias;
  if (!isMainAlias) return raw;
  return cfg.scope === "global" ? "global" : agentMain;
}

/**
 * The canonical store key for any key a client sends: `global`/`unknown` stay, main aliases
 * become the main key, `agent:` keys are kept, and a bare key gets the default agent's prefix
 * (`foo` → `agent:main:foo`). Case is kept, as the original (of protocol 3) keeps it.
 */
export function resolveSessionStoreKey(cfg: SessionKeyConfig, sessionKey: string): string {
  const raw = sessionKey.trim();
  if (!raw || raw === "global" || raw === "unknown") return raw;
  const parsed = parseAgentSessionKey(raw);
  if (parsed) return canonicalizeMainSessionAlias(cfg, normalizeAgentId(parsed.agentId), raw);
  if (raw === "main" || raw === normalizeMainKey(cfg.mainKey)) return resolveMainSessionKey(cfg);
  return `agent:${normalizeAgentId(cfg.defaultAgentId)}:${raw}`;
}

/** The agent a canonical key belongs to (the default agent for `global`/`unknown`). */
export function resolveAgentIdFromSessionKey(cfg: SessionKeyConfig, key: string): string {
  const parsed = parseAgentSessionKey(key);
  return parsed ? normalizeAgentId(parsed.agentId) : normalizeAgentId(cfg.defaultAgentId);
}

export function isSubagentSessionKey(key: string): boolean {
  const raw = key.trim().toLowerCase();
  if (raw.startsWith("subagent:")) return true;
  return (parseAgentSessionKey(raw)?.rest ?? "").startsWith("subagent:");
}

export type SessionKind = "direct" | "group" | "global" | "unknown";

/** `sessions.list`'s `kind`: group when the key or the entry's chat type says so. */
export function classifySessionKey(key: string, entry?: Record<string, unknown>): SessionKind {
  if (key === "global") return "global";
  if (key === "unknown") return "unknown";
  if (entry?.chatType === "group" || entry?.chatType === "channel") return "group";
  if (key.includes(":group:") || key.includes(":channel:")) return "group";
  return "direct";
}
