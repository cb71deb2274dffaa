import * as z from "zod";

export const ConfigGetParams = z.strictObject({});
export type ConfigGetParams = z.infer<typeof ConfigGetParams>;

export const ConfigIssue = z.object({ path: z.string(), message: z.string() });
export type ConfigIssue = z.infer<typeof ConfigIssue>;

/** The config file snapshot, in the original's shape (subsystems §A.3). */
export const ConfigSnapshot = z.object({
  path: z.string(),
  exists: z.boolean(),
  raw: z.string().nullable(),
  parsed: z.unknown(),
  valid: z.boolean(),
  config: z.unknown(),
  hash: z.string().optional(),
  issues: z.array(ConfigIssue),
  warnings: z.array(ConfigIssue),
  legacyIssues: z.array(ConfigIssue),
});
export type ConfigSnapshot = z.infer<typeof ConfigSnapshot>;
