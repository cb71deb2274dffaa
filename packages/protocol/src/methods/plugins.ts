import * as z from "zod";
import { ConfigIssue } from "./config.js";

/**
 * Where a plugin was found, in discovery order (subsystems §B.2): `plugins.load.paths`, the agent
 * workspace's `.clawdbot/extensions`, the state dir's `extensions`, the bundled plugins.
 */
export const PluginOrigin = z.enum(["config", "workspace", "global", "bundled"]);
export type PluginOrigin = z.infer<typeof PluginOrigin>;

/** `loading` also covers a worker being restarted after a crash or a hung call. */
export const PluginState = z.enum(["loaded", "disabled", "errored", "loading"]);
export type PluginState = z.infer<typeof PluginState>;

/** The scope a plugin method needs, as declared by `registerGatewayMethod(name, handler, { scope })`. */
export const PluginMethodScope = z.enum(["read", "write", "admin", "approvals", "pairing", "node"]);
export type PluginMethodScope = z.infer<typeof PluginMethodScope>;

export const PluginsListParams = z.strictObject({});
export type PluginsListParams = z.infer<typeof PluginsListParams>;

export const PluginSummary = z.object({
  id: z.string().min(1),
  origin: z.string(),
  enabled: z.boolean(),
  state: PluginState,
  error: z.string().optional(),
  methods: z.array(z.string()),
  name: z.string().optional(),
  version: z.string().optional(),
  description: z.string().optional(),
});
export type PluginSummary = z.infer<typeof PluginSummary>;

/** A problem found while discovering or loading plugins that belongs to no single plugin's state. */
export const PluginDiagnostic = z.object({
  level: z.enum(["warn", "error"]),
  message: z.string(),
  pluginId: z.string().optional(),
  source: z.string().optional(),
});
export type PluginDiagnostic = z.infer<typeof PluginDiagnostic>;

export const PluginsListResult = z.object({
  plugins: z.array(PluginSummary),
  diagnostics: z.array(PluginDiagnostic).optional(),
});
export type PluginsListResult = z.infer<typeof PluginsListResult>;

export const PluginsInfoParams = z.strictObject({ id: z.string().min(1) });
export type PluginsInfoParams = z.infer<typeof PluginsInfoParams>;

export const PluginMethodInfo = z.object({ name: z.string(), scope: PluginMethodScope });
export type PluginMethodInfo = z.infer<typeof PluginMethodInfo>;

export const PluginInfo = PluginSummary.extend({
  kind: z.string().optional(),
  /** The entry file that was (or would be) loaded. */
  source: z.string(),
  rootDir: z.string(),
  /** Why it is disabled, when it is (`blocked by denylist`, `bundled (disabled by default)`, …). */
  reason: z.string().optional(),
  methodScopes: z.array(PluginMethodInfo),
  services: z.array(z.string()),
  hooks: z.array(z.string()),
  /** Schema issues of `plugins.entries.<id>.config`; non-empty means the plugin was refused. */
  configIssues: z.array(ConfigIssue),
  configSchema: z.unknown(),
  uiHints: z.record(z.string(), z.unknown()).optional(),
  /** Times its worker was restarted after a crash or a hung call since it was last (re)enabled. */
  restarts: z.int().min(0),
  diagnostics: z.array(PluginDiagnostic),
});
export type PluginInfo = z.infer<typeof PluginInfo>;

export const PluginsEnableParams = z.strictObject({ id: z.string().min(1) });
export type PluginsEnableParams = z.infer<typeof PluginsEnableParams>;

export const PluginsEnableResult = z.object({
  ok: z.literal(true),
  /** False when the config already said so and nothing was written. */
  changed: z.boolean(),
  /** The plugin as this replica runs it after applying the change. */
  plugin: PluginSummary,
});
export type PluginsEnableResult = z.infer<typeof PluginsEnableResult>;

export const PluginsDisableParams = PluginsEnableParams;
export type PluginsDisableParams = z.infer<typeof PluginsDisableParams>;
export const PluginsDisableResult = PluginsEnableResult;
export type PluginsDisableResult = z.infer<typeof PluginsDisableResult>;

/**
 * One discovered plugin's manifest, as every plugin-host replica publishes it in the
 * `pluginManifestBucket` (key = plugin id), so config-service can merge plugin schemas into
 * `config.schema` (subsystems §A.9) and validate `plugins.entries.<id>.config` without running
 * any plugin code.
 */
export const PluginManifestRecord = z.object({
  id: z.string().min(1),
  origin: PluginOrigin,
  source: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  version: z.string().optional(),
  kind: z.string().optional(),
  channels: z.array(z.string()).optional(),
  providers: z.array(z.string()).optional(),
  configSchema: z.record(z.string(), z.unknown()),
  uiHints: z.record(z.string(), z.unknown()).optional(),
  /** When this content was first published (epoch ms). */
  publishedAt: z.int().min(0),
});
export type PluginManifestRecord = z.infer<typeof PluginManifestRecord>;
