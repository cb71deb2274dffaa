import * as z from "zod";

// The chat family (spec §7.5, §8). Params are strict, as the original's schemas are.

const NonEmpty = z.string().min(1);

export const ChatHistoryParams = z.strictObject({
  sessionKey: NonEmpty,
  limit: z.int().min(1).max(1000).optional(),
});
export type ChatHistoryParams = z.infer<typeof ChatHistoryParams>;

export const ChatHistoryResult = z.object({
  sessionKey: z.string(),
  sessionId: z.string().optional(),
  messages: z.array(z.unknown()),
  thinkingLevel: z.string().optional(),
});
export type ChatHistoryResult = z.infer<typeof ChatHistoryResult>;

export const ChatSendParams = z.strictObject({
  sessionKey: NonEmpty,
  message: NonEmpty,
  thinking: z.string().optional(),
  deliver: z.boolean().optional(),
  attachments: z.array(z.unknown()).optional(),
  timeoutMs: z.int().min(0).optional(),
  idempotencyKey: NonEmpty,
});
export type ChatSendParams = z.infer<typeof ChatSendParams>;

/** `started` at once, `in_flight` for a duplicate while running, the cached `ok`/`error` after. */
export const ChatSendAck = z.object({ runId: z.string(), status: z.enum(["started", "in_flight", "ok", "error"]), summary: z.string().optional() });
/** A stop command sent through `chat.send`, or `chat.abort`. */
export const ChatAbortResult = z.object({ ok: z.literal(true), aborted: z.boolean(), runIds: z.array(z.string()) });
export type ChatAbortResult = z.infer<typeof ChatAbortResult>;
export const ChatSendResult = z.union([ChatSendAck, ChatAbortResult]);
export type ChatSendResult = z.infer<typeof ChatSendResult>;

export const ChatAbortParams = z.strictObject({ sessionKey: NonEmpty, runId: NonEmpty.optional() });
export type ChatAbortParams = z.infer<typeof ChatAbortParams>;

export const ChatInjectParams = z.strictObject({ sessionKey: NonEmpty, message: NonEmpty, label: z.string().max(100).optional() });
export type ChatInjectParams = z.infer<typeof ChatInjectParams>;
export const ChatInjectResult = z.object({ ok: z.literal(true), messageId: z.string() });

/** The `chat` event payload (spec §6.3); strict, as the original's ChatEventSchema. */
export const ChatEvent = z.strictObject({
  runId: NonEmpty,
  sessionKey: NonEmpty,
  seq: z.int().min(0),
  state: z.enum(["delta", "final", "aborted", "error"]),
  message: z.unknown().optional(),
  errorMessage: z.string().optional(),
  usage: z.unknown().optional(),
  stopReason: z.string().optional(),
});
export type ChatEvent = z.infer<typeof ChatEvent>;
