import type { MethodSpec } from "@clawdbot/nats-rpc";
import {
  type SessionsCompactParams,
  type SessionsDeleteParams,
  type SessionsListParams,
  type SessionsListResult,
  type SessionsPatchParams,
  type SessionsPreviewParams,
  type SessionsPreviewResult,
  type SessionsResetParams,
  type SessionsResolveParams,
  invalidRequest,
  unavailable,
} from "@clawdbot/protocol";
import type * as z from "zod";
import { method } from "./define.js";
import { type AppContext, storePath } from "../context.js";
import { findModel } from "../model-catalog.js";
import { resolveMainSessionKey, resolveSessionStoreKey } from "../session-keys.js";
import { applySessionPatch, resetSessionEntry } from "../session-patch.js";
import { deriveTitle, listSessionRows, previewText, truncate } from "../session-rows.js";
import { type TranscriptRecord, isMessageRecord, messageText } from "../transcript.js";
import type { SessionEntry } from "../session-store.js";

const PREVIEW_MAX_KEYS = 64;
/** How long `sessions.delete` waits for the session's runs to end (spec §7.4). */
const DELETE_WAIT_MS = 15_000;

/** File-name timestamps as the original writes them: ISO with ':' → '-'. */
const fileStamp = (now: number) => new Date(now).toISOString().replaceAll(":", "-");

/** The `sessions.*` family (spec §7.4) over the KV index and the transcript stream. */
export function sessionsHandlers(app: AppContext): Record<string, MethodSpec> {
  const { sessions, transcripts, config } = app;
  const canonical = (key: string) => resolveSessionStoreKey(config.current().keys, key);

  async function list(params: SessionsListParams): Promise<SessionsListResult> {
    const now = Date.now();
    const view = config.current();
    const rows = listSessionRows(await sessions.list(), params, now);
    if (params.includeDerivedTitles || params.includeLastMessage) {
      await Promise.all(
        rows.map(async (row) => {
          if (typeof row.sessionId !== "string") return;
          const messages = (await transcripts.read(row.sessionId).catch((): TranscriptRecord[] => [])).filter(isMessageRecord).map((r) => r.message);
          if (params.includeDerivedTitles) {
            const title = deriveTitle(messageText(messages.find((m) => m.role === "user") ?? {}));
            if (title) row.derivedTitle = title;
          }
          if (params.includeLastMessage) {
            const last = [...messages].reverse().find((m) => m.role === "user" || m.role === "assistant");
            const preview = last ? previewText(messageText(last)) : undefined;
            if (preview) row.lastMessagePreview = preview;
          }
        }),
      );
    }
    return {
      ts: now,
      // One store per agent: with several agents the original reports "(multiple)".
      path: view.agents.length > 1 ? "(multiple)" : storePath(app.stateDir, view.keys.defaultAgentId),
      count: rows.length,
      defaults: { modelProvider: view.defaultModel?.provider ?? null, model: view.defaultModel?.model ?? null, contextTokens: null },
      sessions: rows,
    };
  }

  async function preview(params: SessionsPreviewParams): Promise<SessionsPreviewResult> {
    const limit = params.limit ?? 12;
    const maxChars = params.maxChars ?? 240;
    const previews = await Promise.all(
      params.keys.slice(0, PREVIEW_MAX_KEYS).map(async (key) => {
        try {
          const entry = await sessions.get(canonical(key));
          if (!entry) return { key, status: "missing" as const, items: [] };
          const messages = (await transcripts.read(entry.sessionId)).filter(isMessageRecord).map((r) => r.message);
          const items = messages.slice(-limit).map((m) => ({ role: previewRole(m.role), text: truncate(messageText(m).trim(), maxChars) }));
          return { key, status: items.length > 0 ? ("ok" as const) : ("empty" as const), items };
        } catch (err) {
          app.log.warn({ err, key }, "session preview failed");
          return { key, status: "error" as const, items: [] };
        }
      }),
    );
    return { ts: Date.now(), previews };
  }

  async function resolve(params: SessionsResolveParams): Promise<{ ok: true; key: string }> {
    const given = [params.key, params.sessionId, params.label].filter((v) => v !== undefined && v.trim() !== "").length;
    if (given > 1) throw invalidRequest("Provide either key, sessionId, or label (not both)");
    if (given === 0) throw invalidRequest("Either key, sessionId, or label is required");
    if (params.key) {
      const key = canonical(params.key);
      if (!(await sessions.get(key))) throw invalidRequest(`No session found: ${params.key}`);
      return { ok: true, key };
    }
    if (params.sessionId) {
      const found = await sessions.findBySessionId(params.sessionId.trim());
      if (!found) throw invalidRequest(`No session found: ${params.sessionId}`);
      return { ok: true, key: found[0] };
    }
    const label = params.label!.trim();
    const rows = listSessionRows(await sessions.list(), { ...params, label, key: undefined, sessionId: undefined } as SessionsListParams, Date.now());
    if (rows.length === 0) throw invalidRequest(`No session found with label: ${label}`);
    if (rows.length > 1) throw invalidRequest(`Multiple sessions found with label: ${label}`);
    return { ok: true, key: rows[0]!.key };
  }

  async function patch(params: SessionsPatchParams) {
    const key = canonical(params.key);
    const view = config.current();
    let others: [string, SessionEntry][] = [];
    if (typeof params.label === "string") others = (await sessions.list()).filter(([k]) => k !== key);
    const entry = await sessions.update(key, (current) =>
      applySessionPatch(current, params, {
        key,
        now: Date.now(),
        labelTaken: (label) => others.some(([, e]) => e.label === label),
        resolveModel: (model) => findModel(view, model),
      }),
    );
    return { ok: true as const, path: storePath(app.stateDir, view.keys.defaultAgentId), key, entry: entry! };
  }

  async function reset(params: z.output<typeof SessionsResetParams>) {
    const key = canonical(params.key);
    const entry = await sessions.update(key, (current) => resetSessionEntry(current, Date.now()));
    return { ok: true as const, key, entry: entry! };
  }

  async function remove(params: z.output<typeof SessionsDeleteParams>) {
    const key = canonical(params.key);
    const main = resolveMainSessionKey(config.current().keys);
    if (key === main) throw invalidRequest(`Cannot delete the main session (${main}).`);
    await app.aborts.abortSession(key, "rpc");
    const deadline = Date.now() + DELETE_WAIT_MS;
    while ((await app.registry.forSession(key)).length > 0) {
      if (Date.now() > deadline) throw unavailable(`Session ${key} is still active; try again in a moment.`);
      await new Promise((r) => setTimeout(r, 50));
    }
    let removed: { sessionId: string } | undefined;
    await sessions.update(key, (current) => {
      removed = current;
      return current ? null : undefined;
    });
    const archived: string[] = [];
    if (removed && params.deleteTranscript !== false) {
      const records = await transcripts.read(removed.sessionId);
      if (records.length > 0) {
        // The original renames the file aside; here the records move to a subject of that name.
        const name = `${removed.sessionId}.jsonl.deleted.${fileStamp(Date.now())}`;
        await transcripts.writeFile(name, records);
        await transcripts.purge(removed.sessionId);
        archived.push(name);
      }
    }
    return { ok: true as const, key, deleted: removed !== undefined, archived };
  }

  async function compact(params: z.output<typeof SessionsCompactParams>) {
    const key = canonical(params.key);
    const maxLines = params.maxLines ?? 400;
    const entry = await sessions.get(key);
    if (!entry?.sessionId) return { ok: true as const, key, compacted: false, reason: "no sessionId" };
    const records = await transcripts.read(entry.sessionId);
    if (records.length === 0) return { ok: true as const, key, compacted: false, reason: "no transcript" };
    if (records.length <= maxLines) return { ok: true as const, key, compacted: false, kept: records.length };
    // Line truncation, as the original does (spec §12.12): a backup, then the last maxLines lines.
    const archived = `${entry.sessionId}.jsonl.bak.${fileStamp(Date.now())}`;
    await transcripts.writeFile(archived, records);
    await transcripts.purge(entry.sessionId);
    await transcripts.writeFile(entry.sessionId, records.slice(-maxLines));
    await sessions.update(key, (current) => {
      if (!current || current.sessionId !== entry.sessionId) return undefined;
      const next = { ...current };
      delete next.inputTokens;
      delete next.outputTokens;
      delete next.totalTokens;
      return next;
    });
    return { ok: true as const, key, compacted: true, archived, kept: maxLines };
  }

  return {
    "sessions.list": method("sessions.list", list),
    "sessions.preview": method("sessions.preview", preview),
    "sessions.resolve": method("sessions.resolve", resolve),
    "sessions.patch": method("sessions.patch", patch),
    "sessions.reset": method("sessions.reset", reset),
    "sessions.delete": method("sessions.delete", remove),
    "sessions.compact": method("sessions.compact", compact),
  };
}

function previewRole(role: string): "user" | "assistant" | "tool" | "system" | "other" {
  if (role === "user" || role === "assistant" || role === "system") return role;
  if (role === "tool" || role === "toolResult") return "tool";
  return "other";
}
