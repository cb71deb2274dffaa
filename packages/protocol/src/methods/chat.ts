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

// Protocol 4's `chat` event (protocol-v4-delta §6.2): a union of five closed objects. Deltas carry
// the increment (`deltaText`, with `replace: true` when the text did not extend the last one);
// `message` stays cumulative. `status` is v4 only.
const ChatEventV4Base = {
  runId: NonEmpty,
  sessionKey: NonEmpty,
  agentId: NonEmpty.optional(),
  spawnedBy: NonEmpty.optional(),
  seq: z.int().min(0),
};
export const ChatEventV4 = z.discriminatedUnion("state", [
  z.strictObject({
    ...ChatEventV4Base,
    state: z.literal("status"),
    phase: NonEmpty,
    retry: z.strictObject({ attempt: z.int().min(0), maxAttempts: z.int().min(0), reason: z.literal("rate_limit") }).optional(),
  }),
  z.strictObject({
    ...ChatEventV4Base,
    state: z.literal("delta"),
    deltaText: z.string(),
    replace: z.literal(true).optional(),
    message: z.unknown().optional(),
    usage: z.unknown().optional(),
  }),
  z.strictObject({
    ...ChatEventV4Base,
    state: z.literal("final"),
    message: z.unknown().optional(),
    usage: z.unknown().optional(),
    stopReason: z.string().optional(),
    yielded: z.literal(true).optional(),
  }),
  z.strictObject({
    ...ChatEventV4Base,
    state: z.literal("aborted"),
    message: z.unknown().optional(),
    errorMessage: z.string().optional(),
    stopReason: z.string().optional(),
  }),
  z.strictObject({
    ...ChatEventV4Base,
    state: z.literal("error"),
    message: z.unknown().optional(),
    errorMessage: z.string().optional(),
    errorKind: z.enum(["refusal", "timeout", "rate_limit", "context_length", "unknown"]).optional(),
    errorDetail: z.unknown().optional(),
    usage: z.unknown().optional(),
    stopReason: z.string().optional(),
  }),
]);
export type ChatEventV4 = z.infer<typeof ChatEventV4>;
