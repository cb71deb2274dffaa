import * as z from "zod";

// The config.* family (spec §7.6), all admin. Config content is `unknown` here: its schema
// lives in @clawdbot/config and reaches clients through `config.schema`.

const NonEmpty = z.string().min(1);
/** The config layers, lowest first: a value comes from the highest layer that sets it. */
export const ConfigLayer = z.enum(["default", "file", "env", "override"]);
export type ConfigLayer = z.infer<typeof ConfigLayer>;

/** `gateway.reload.mode`. */
export const ConfigReloadMode = z.enum(["off", "hot", "restart", "hybrid"]);
export type ConfigReloadMode = z.infer<typeof ConfigReloadMode>;

/** What made config-service publish a new effective config. */
export const ConfigChangeSource = z.enum(["startup", "file", "write", "override", "migration"]);
export type ConfigChangeSource = z.infer<typeof ConfigChangeSource>;

export const ConfigGetParams = z.strictObject({});
export type ConfigGetParams = z.infer<typeof ConfigGetParams>;

export const ConfigIssue = z.object({ path: z.string(), message: z.string() });
export type ConfigIssue = z.infer<typeof ConfigIssue>;

/**
 * The config file snapshot, in the original's shape (subsystems §A.3), with secrets redacted
 * in `raw`, `parsed` and `config`. `config` is the effective config (defaults < file < env <
 * runtime overrides); `provenance` says which layer each of its values comes from.
 */
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
  /** Leaf path of `config` → the layer its value comes from. */
  provenance: z.record(z.string(), ConfigLayer).optional(),
  /** sha256 of the effective config in force (changes with env and overrides too, unlike `hash`). */
  effectiveHash: z.string().optional(),
});
export type ConfigSnapshot = z.infer<typeof ConfigSnapshot>;

export const ConfigSchemaParams = z.strictObject({});
export type ConfigSchemaParams = z.infer<typeof ConfigSchemaParams>;

export const ConfigUiHint = z.strictObject({
  label: z.string().optional(),
  help: z.string().optional(),
  group: z.string().optional(),
  order: z.int().optional(),
  advanced: z.boolean().optional(),
  sensitive: z.boolean().optional(),
  placeholder: z.string().optional(),
  itemTemplate: z.unknown().optional(),
});
export type ConfigUiHint = z.infer<typeof ConfigUiHint>;

export const ConfigSchemaResult = z.object({
  schema: z.unknown(),
  uiHints: z.record(z.string(), ConfigUiHint),
  version: NonEmpty,
  generatedAt: NonEmpty,
});
export type ConfigSchemaResult = z.infer<typeof ConfigSchemaResult>;

/** `config.set`: the whole file text (JSON5), written as sent. */
export const ConfigSetParams = z.strictObject({ raw: NonEmpty, baseHash: NonEmpty.optional() });
export type ConfigSetParams = z.infer<typeof ConfigSetParams>;

/** `config.patch` (`raw` is a JSON5 object applied as a merge patch) and `config.apply` (`raw` is the whole file). */
export const ConfigPatchParams = z.strictObject({
  raw: NonEmpty,
  baseHash: NonEmpty.optional(),
  sessionKey: z.string().optional(),
  note: z.string().optional(),
  restartDelayMs: z.int().min(0).optional(),
});
export type ConfigPatchParams = z.infer<typeof ConfigPatchParams>;
export const ConfigApplyParams = ConfigPatchParams;
export type ConfigApplyParams = z.infer<typeof ConfigApplyParams>;

/** How a change applies (`gateway.reload.mode`): which paths are hot, which need the edges to restart their listeners. */
export const ConfigReloadPlan = z.object({
  mode: ConfigReloadMode,
  changedPaths: z.array(z.string()),
  hotPaths: z.array(z.string()),
  restartPaths: z.array(z.string()),
  /** True when the edges must restart their listeners (one at a time). */
  restart: z.boolean(),
  /** Restart-class paths that `hot` mode leaves unapplied until the next restart. */
  ignoredRestartPaths: z.array(z.string()),
});
export type ConfigReloadPlan = z.infer<typeof ConfigReloadPlan>;

export const ConfigWriteResult = z.object({
  ok: z.literal(true),
  path: z.string(),
  /** The effective config now in force, secrets redacted. */
  config: z.unknown(),
  /** sha256 of the file as written: the next write's `baseHash`. */
  hash: z.string(),
  /** How the change applies; null when it changed nothing in force. */
  plan: ConfigReloadPlan.nullable(),
  /** Legacy shapes that `config.patch` migrated on the way. */
  migrated: z.array(z.string()).optional(),
});
export type ConfigWriteResult = z.infer<typeof ConfigWriteResult>;

/** `config.override.set`: a runtime value, above file and env, shared by every replica, never written to the file. */
export const ConfigOverrideSetParams = z.strictObject({ path: NonEmpty, value: z.unknown() });
export type ConfigOverrideSetParams = z.infer<typeof ConfigOverrideSetParams>;

/** `config.override.clear`: one override (`path`), or all of them. */
export const ConfigOverrideClearParams = z.strictObject({ path: NonEmpty.optional() });
export type ConfigOverrideClearParams = z.infer<typeof ConfigOverrideClearParams>;

export const ConfigOverrideResult = z.object({
  ok: z.literal(true),
  /** Paths that have an override now. */
  overrides: z.array(z.string()),
  /** sha256 of the effective config now in force. */
  effectiveHash: z.string(),
  plan: ConfigReloadPlan.nullable(),
});
export type ConfigOverrideResult = z.infer<typeof ConfigOverrideResult>;

/** The `config.changed` event (admin clients): what changed, never the values. */
export const ConfigChangedEvent = z.object({
  hash: z.string(),
  effectiveHash: z.string(),
  changedPaths: z.array(z.string()),
  restart: z.boolean(),
  mode: ConfigReloadMode,
  source: ConfigChangeSource,
});
export type ConfigChangedEvent = z.infer<typeof ConfigChangedEvent>;
