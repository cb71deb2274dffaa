// The configuration model. Services read the effective config through the client (the first
// block); config-service uses the rest to build, check and write it.
export { CONFIG_KEYS, PublishedConfig, decodePublished, loadEffectiveConfig, openConfigBucket, watchEffectiveConfig } from "./client.js";
export type { EffectiveConfig, EffectiveConfigWatcher, WatchOptions } from "./client.js";
export { KvLease } from "./kv-lease.js";
export type { KvLeaseOptions } from "./kv-lease.js";
export { LAYERS, layerConfig, layerOf } from "./layers.js";
export type { Layer, LayerTrees, LayeredResult } from "./layers.js";
export { ConfigSchema, IMPLEMENTED_SECTIONS, KEPT_SECTIONS, configDefaults } from "./schema.js";
export type { ClawdbotConfig } from "./schema.js";

export { evaluateConfigText, readConfigFile, sha256 } from "./config-file.js";
export type { ConfigFile, ReadConfigOptions } from "./config-file.js";
export { ENV_CONFIG_PREFIX, EXPLICIT_ENV_VARS, envLayer } from "./env-layer.js";
export type { EnvLayer } from "./env-layer.js";
export { MissingEnvVarError, envWithConfigVars, substituteEnv } from "./env-substitution.js";
export type { Substitution } from "./env-substitution.js";
export { CircularIncludeError, ConfigIncludeError, INCLUDE_KEY, MAX_INCLUDE_DEPTH, includeMerge, resolveIncludes } from "./includes.js";
export { buildConfigSchema, configJsonSchema } from "./json-schema.js";
export type { ConfigSchemaResponse, ConfigUiHint, PluginSchemaSource } from "./json-schema.js";
export { findLegacyIssues } from "./legacy-rules.js";
export { migrateLegacyConfig } from "./legacy-migrate.js";
export { applyMergePatch, patchLeaves } from "./merge-patch.js";
export { canonicalJson, deleteAt, getAt, isPlainObject, jsonEqual, leaves, mergeLayers, parsePath, setAt } from "./paths.js";
export type { JsonObject } from "./paths.js";
export { REDACTED, RedactionError, SECRET_KEY, isSecretPath, redactRaw, redactTree, redactUnparsedRaw, restoreRedacted, restoreRedactedRaw, secretSubstitutions } from "./redact.js";
export { ReloadMode, ReloadPlan, buildReloadPlan, classifyPath, diffPaths } from "./reload-plan.js";
export type { ChangeKind } from "./reload-plan.js";
export { formatIssues, sectionWarnings, validateConfig } from "./validate.js";
export type { ValidationResult } from "./validate.js";
export { BACKUP_COUNT, backupPaths, writeConfigText } from "./write-file.js";
