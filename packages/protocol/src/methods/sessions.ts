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
