import type { SessionRow, SessionsListParams } from "@clawdbot/protocol";
import { classifySessionKey, normalizeAgentId, parseAgentSessionKey } from "./session-keys.js";
import type { SessionEntry } from "./session-store.js";

// `sessions.list` rows from store entries (spec §7.4), pure: the handler feeds it the store.

/** Entry fields copied to a row as they are. */
const ROW_FIELDS = [
  "label",
  "displayName",
  "channel",
  "subject",
  "groupChannel",
  "space",
  "chatType",
  "origin",
  "sessionId",
  "systemSent",
  "abortedLastRun",
  "thinkingLevel",
  "verboseLevel",
  "reasoningLevel",
  "elevatedLevel",
  "sendPolicy",
  "inputTokens",
  "outputTokens",
  "responseUsage",
  "modelProvider",
  "model",
  "contextTokens",
  "deliveryContext",
  "lastChannel",
  "lastTo",
  "lastAccountId",
] as const;

export function sessionRow(key: string, entry: SessionEntry | undefined): SessionRow {
  const row: SessionRow = { key, kind: classifySessionKey(key, entry), updatedAt: typeof entry?.updatedAt === "number" ? entry.updatedAt : null };
  if (entry) {
    for (const field of ROW_FIELDS) if (entry[field] !== undefined && entry[field] !== null) row[field] = entry[field];
    const delivery = entry.deliveryContext as { channel?: unknown; to?: unknown; accountId?: unknown } | undefined;
    if (row.lastChannel === undefined && delivery?.channel !== undefined) row.lastChannel = delivery.channel;
    if (row.lastTo === undefined && delivery?.to !== undefined) row.lastTo = delivery.to;
    if (row.lastAccountId === undefined && delivery?.accountId !== undefined) row.lastAccountId = delivery.accountId;
  }
  const input = typeof entry?.inputTokens === "number" ? entry.inputTokens : 0;
  const output = typeof entry?.outputTokens === "number" ? entry.outputTokens : 0;
  row.totalTokens = typeof entry?.totalTokens === "number" ? entry.totalTokens : input + output;
  return row;
}

/**
 * Filters (global/unknown, agent, spawnedBy, label), rows sorted by `updatedAt` descending, then
 * search, then the active window, then the limit — in the original's order.
 */
export function listSessionRows(entries: Iterable<[string, SessionEntry]>, params: SessionsListParams, now: number): SessionRow[] {
  const agentId = params.agentId ? normalizeAgentId(params.agentId) : undefined;
  let rows: SessionRow[] = [];
  for (const [key, entry] of entries) {
    if (key === "global" && !params.includeGlobal) continue;
    if (key === "unknown" && !params.includeUnknown) continue;
    if (agentId) {
      const parsed = parseAgentSessionKey(key);
      if (!parsed || normalizeAgentId(parsed.agentId) !== agentId) continue;
    }
    if (params.spawnedBy && (key === "global" || key === "unknown" || entry.spawnedBy !== params.spawnedBy)) continue;
    if (params.label && entry.label !== params.label) continue;
    rows.push(sessionRow(key, entry));
  }
  rows.sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
  const search = params.search?.trim().toLowerCase();
  if (search) {
    rows = rows.filter((row) => [row.displayName, row.label, row.subject, row.sessionId, row.key].some((f) => typeof f === "string" && f.toLowerCase().includes(search)));
  }
  if (params.activeMinutes) {
    const cutoff = now - params.activeMinutes * 60_000;
    rows = rows.filter((row) => (row.updatedAt ?? 0) >= cutoff);
  }
  if (params.limit) rows = rows.slice(0, params.limit);
  return rows;
}

/** A title from the first user message: its first line, at most 60 characters. */
export function deriveTitle(firstUserText: string | undefined): string | undefined {
  const line = firstUserText?.split("\n").find((l) => l.trim())?.trim();
  if (!line) return undefined;
  return truncate(line.replace(/\s+/g, " "), 60);
}

/** A one-line preview of the last message, at most 120 characters. */
export function previewText(text: string | undefined, maxChars = 120): string | undefined {
  const flat = text?.replace(/\s+/g, " ").trim();
  return flat ? truncate(flat, maxChars) : undefined;
}

export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1)).trimEnd()}…`;
}
