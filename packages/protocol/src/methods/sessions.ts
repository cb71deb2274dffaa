import * as z from "zod";

export const SessionsListParams = z.strictObject({
  limit: z.int().min(1).optional(),
  activeMinutes: z.int().min(1).optional(),
  includeGlobal: z.boolean().optional(),
  includeUnknown: z.boolean().optional(),
  includeDerivedTitles: z.boolean().optional(),
  includeLastMessage: z.boolean().optional(),
  label: z.string().min(1).max(64).optional(),
  spawnedBy: z.string().min(1).optional(),
  agentId: z.string().min(1).optional(),
  search: z.string().optional(),
});
export type SessionsListParams = z.infer<typeof SessionsListParams>;

/** One row of `sessions.list` (spec §7.4). Rows carry many optional fields; unknown ones pass. */
export const SessionRow = z.looseObject({
  key: z.string().min(1),
  kind: z.enum(["direct", "group", "global", "unknown"]),
  updatedAt: z.number().nullable(),
});
export type SessionRow = z.infer<typeof SessionRow>;

export const SessionsListResult = z.object({
  ts: z.int().min(0),
  path: z.string(),
  count: z.int().min(0),
  defaults: z.object({
    modelProvider: z.string().nullable(),
    model: z.string().nullable(),
    contextTokens: z.int().nullable(),
  }),
  sessions: z.array(SessionRow),
});
export type SessionsListResult = z.infer<typeof SessionsListResult>;

// ---- The rest of the sessions family (spec §7.4, §9.2). Params are strict as the original's;
// entries and rows are loose objects because the store carries many optional fields and the
// original passes unknown ones through.

const NonEmpty = z.string().min(1);
/** A patchable field: its value, or `null` to clear it. */
const clearable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** One stored session (the value in the original's `sessions.json`). */
export const SessionEntry = z.looseObject({
  sessionId: NonEmpty,
  updatedAt: z.number(),
});
export type SessionEntry = z.infer<typeof SessionEntry>;

export const SessionsPreviewParams = z.strictObject({
  keys: z.array(NonEmpty).min(1),
  limit: z.int().min(1).optional(),
  maxChars: z.int().min(20).optional(),
});
export type SessionsPreviewParams = z.infer<typeof SessionsPreviewParams>;

export const SessionPreviewItem = z.object({
  role: z.enum(["user", "assistant", "tool", "system", "other"]),
  text: z.string(),
});
export const SessionPreview = z.object({
  key: z.string(),
  status: z.enum(["ok", "empty", "missing", "error"]),
  items: z.array(SessionPreviewItem),
});
export const SessionsPreviewResult = z.object({ ts: z.int().min(0), previews: z.array(SessionPreview) });
export type SessionsPreviewResult = z.infer<typeof SessionsPreviewResult>;

export const SessionsResolveParams = z.strictObject({
  key: NonEmpty.optional(),
  sessionId: NonEmpty.optional(),
  label: z.string().min(1).max(64).optional(),
  agentId: NonEmpty.optional(),
  spawnedBy: NonEmpty.optional(),
  includeGlobal: z.boolean().optional(),
  includeUnknown: z.boolean().optional(),
});
export type SessionsResolveParams = z.infer<typeof SessionsResolveParams>;
export const SessionsResolveResult = z.object({ ok: z.literal(true), key: z.string() });

export const SessionsPatchParams = z.strictObject({
  key: NonEmpty,
  label: clearable(z.string().min(1).max(64)),
  thinkingLevel: clearable(NonEmpty),
  verboseLevel: clearable(NonEmpty),
  reasoningLevel: clearable(NonEmpty),
  responseUsage: clearable(z.enum(["off", "tokens", "full", "on"])),
  elevatedLevel: clearable(NonEmpty),
  execHost: clearable(NonEmpty),
  execSecurity: clearable(NonEmpty),
  execAsk: clearable(NonEmpty),
  execNode: clearable(NonEmpty),
  model: clearable(NonEmpty),
  spawnedBy: clearable(NonEmpty),
  sendPolicy: clearable(z.enum(["allow", "deny"])),
  groupActivation: clearable(z.enum(["mention", "always"])),
});
export type SessionsPatchParams = z.infer<typeof SessionsPatchParams>;
export const SessionsPatchResult = z.object({ ok: z.literal(true), path: z.string(), key: z.string(), entry: SessionEntry });

export const SessionsResetParams = z.strictObject({ key: NonEmpty });
export const SessionsResetResult = z.object({ ok: z.literal(true), key: z.string(), entry: SessionEntry });

export const SessionsDeleteParams = z.strictObject({ key: NonEmpty, deleteTranscript: z.boolean().optional() });
export const SessionsDeleteResult = z.object({ ok: z.literal(true), key: z.string(), deleted: z.boolean(), archived: z.array(z.string()) });

export const SessionsCompactParams = z.strictObject({ key: NonEmpty, maxLines: z.int().min(1).optional() });
export const SessionsCompactResult = z.object({
  ok: z.literal(true),
  key: z.string(),
  compacted: z.boolean(),
  archived: z.string().optional(),
  kept: z.int().optional(),
  reason: z.string().optional(),
});
