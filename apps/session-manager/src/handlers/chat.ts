import { randomBytes } from "node:crypto";
import type { MethodSpec } from "@clawdbot/nats-rpc";
import { type ChatHistoryResult, GatewayError, invalidRequest } from "@clawdbot/protocol";
import type { ModelRef } from "../app-config.js";
import { type ActiveRun, type RunOutcome, turnsFromRecords } from "../chat-runs.js";
import type { AppContext } from "../context.js";
import type { DedupeEntry } from "../idempotency.js";
import { createProvider, resolveModelRef } from "../providers/index.js";
import { ECHO_PROVIDER_ID } from "../providers/echo.js";
import { resolveSessionStoreKey } from "../session-keys.js";
import { newSessionEntry } from "../session-patch.js";
import type { SessionEntry } from "../session-store.js";
import { ZERO_USAGE, isMessageRecord, textMessage } from "../transcript.js";
import { method } from "./define.js";

/** `chat.history` drops the oldest messages until the answer fits (spec §7.5). */
export const HISTORY_MAX_BYTES = 6 * 1024 * 1024;
const STOP_WORDS = new Set(["stop", "esc", "abort", "wait", "exit", "interrupt"]);

/** `/stop`, or one of the stop words on its own, aborts the session's runs instead of sending (spec §7.5). */
export function isStopCommand(message: string): boolean {
  const trimmed = message.trim();
  return trimmed === "/stop" || STOP_WORDS.has(trimmed.toLowerCase());
}

/** `expiresAtMs = clamp(now + timeoutMs + 60 s, now + 2 min, now + 24 h)` (spec §7.5). */
export function chatRunExpiry(now: number, timeoutMs: number): number {
  return Math.min(Math.max(now + timeoutMs + 60_000, now + 120_000), now + 86_400_000);
}

/** A cached answer as a new response: its payload, or its error (spec §5.3). */
export function replay(entry: DedupeEntry): unknown {
  if (entry.ok) return entry.payload;
  const error = entry.error ?? { code: "UNAVAILABLE", message: "run failed" };
  throw new GatewayError(error.code, error.message, { details: entry.payload ?? error.details });
}

/** Keeps the last messages whose JSON fits in `maxBytes`. */
export function capHistory(messages: unknown[], maxBytes = HISTORY_MAX_BYTES): unknown[] {
  let total = 2;
  let start = messages.length;
  while (start > 0) {
    const size = Buffer.byteLength(JSON.stringify(messages[start - 1])) + 1;
    if (total + size > maxBytes) break;
    total += size;
    start--;
  }
  return messages.slice(start);
}

export interface StartRunRequest {
  runId: string;
  kind: "chat" | "agent";
  sessionKey: string;
  storeKey: string;
  entry: SessionEntry;
  message: string;
  chatEvents: boolean;
  expiresAtMs: number;
}

/**
 * Takes a run on this replica with the session's provider. `run` is undefined when the id is
 * already in flight; otherwise `begin()` executes it and settles with its outcome.
 */
export async function startRun(app: AppContext, request: StartRunRequest): Promise<{ run: ActiveRun | undefined; model: ModelRef; begin: () => Promise<RunOutcome> }> {
  const view = app.config.current();
  const model = resolveModelRef(view, request.entry);
  const provider = createProvider(view, model, { echoWordDelayMs: app.settings.echoWordDelayMs });
  const run = await app.engine.register({ ...request, sessionId: request.entry.sessionId, model });
  // Providers other than echo get the conversation so far.
  const history = async () => (model.provider === ECHO_PROVIDER_ID ? [] : turnsFromRecords(await app.transcripts.read(request.entry.sessionId)));
  const begin = () => app.engine.run(run!, provider, history);
  return { run, model, begin };
}

/** Creates the session when it is missing and marks it used now; returns the stored entry. */
export async function touchSession(app: AppContext, storeKey: string): Promise<SessionEntry> {
  const now = Date.now();
  const entry = await app.sessions.update(storeKey, (current) => (current ? { ...current, updatedAt: Math.max(current.updatedAt, now) } : newSessionEntry(now)));
  return entry!;
}

/** The chat family (spec §7.5, §8). */
export function chatHandlers(app: AppContext): Record<string, MethodSpec> {
  const { sessions, transcripts, config, dedupe, registry, aborts, events } = app;

  return {
    "chat.history": method("chat.history", async (params): Promise<ChatHistoryResult> => {
      const view = config.current();
      const entry = await sessions.get(resolveSessionStoreKey(view.keys, params.sessionKey));
      const thinkingLevel = (typeof entry?.thinkingLevel === "string" ? entry.thinkingLevel : undefined) ?? view.thinkingDefault ?? "off";
      if (!entry) return { sessionKey: params.sessionKey, messages: [], thinkingLevel };
      const messages = (await transcripts.read(entry.sessionId)).filter(isMessageRecord).map((r) => r.message);
      return { sessionKey: params.sessionKey, sessionId: entry.sessionId, messages: capHistory(messages.slice(-(params.limit ?? 200))), thinkingLevel };
    }),

    "chat.send": method("chat.send", async (params) => {
      const view = config.current();
      const storeKey = resolveSessionStoreKey(view.keys, params.sessionKey);
      const runId = params.idempotencyKey;
      // Independent reads in one round trip; they are then judged in the original's order.
      const [existing, cached, inFlight] = await Promise.all([sessions.get(storeKey), dedupe.get("chat", runId), registry.get(runId)]);
      if (existing?.sendPolicy === "deny") throw invalidRequest("send blocked by session policy");
      if (isStopCommand(params.message)) return aborts.abortSession(storeKey, "stop");
      if (cached) return replay(cached);
      if (inFlight) return { runId, status: "in_flight" };

      const entry = await touchSession(app, storeKey);
      const now = Date.now();
      const timeoutMs = params.timeoutMs ?? view.timeoutSeconds * 1000;
      const { run, begin } = await startRun(app, {
        runId,
        kind: "chat",
        sessionKey: params.sessionKey,
        storeKey,
        entry,
        message: params.message,
        chatEvents: true,
        expiresAtMs: chatRunExpiry(now, timeoutMs),
      });
      // Another replica took this key between our checks: it runs there.
      if (!run) return { runId, status: "in_flight" };
      // The run may have finished between the idempotency check and taking the key.
      const late = await dedupe.get("chat", runId);
      if (late) {
        await app.engine.unregister(run);
        return replay(late);
      }
      void begin().catch((err: unknown) => app.log.error({ err, runId }, "chat run crashed"));
      return { runId, status: "started" };
    }),

    "chat.abort": method("chat.abort", async (params) => {
      const storeKey = resolveSessionStoreKey(config.current().keys, params.sessionKey);
      if (!params.runId) return aborts.abortSession(storeKey, "rpc");
      const held = await registry.get(params.runId);
      // Only runs started by chat.send can be aborted (spec §7.5).
      if (!held || held.record.kind !== "chat") return { ok: true, aborted: false, runIds: [] };
      if (held.record.storeKey !== storeKey) throw invalidRequest("runId does not match sessionKey");
      return aborts.abortRuns([held], "rpc");
    }),

    "chat.inject": method("chat.inject", async (params) => {
      const entry = await sessions.get(resolveSessionStoreKey(config.current().keys, params.sessionKey));
      if (!entry) throw invalidRequest(`session not found: ${params.sessionKey}`);
      const text = params.label ? `[${params.label}]\n\n${params.message}` : params.message;
      const message = textMessage("assistant", text, Date.now(), { stopReason: "injected", usage: { ...ZERO_USAGE } });
      const [record] = await transcripts.append(entry.sessionId, [message]);
      events.chat({ runId: `inject-${randomBytes(4).toString("hex")}`, sessionKey: params.sessionKey, seq: 0, state: "final", message });
      return { ok: true, messageId: record!.id };
    }),
  };
}
