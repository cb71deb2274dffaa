import {
  type ConfigFile,
  INCLUDE_KEY,
  RedactionError,
  applyMergePatch,
  buildConfigSchema,
  evaluateConfigText,
  getAt,
  isPlainObject,
  jsonEqual,
  migrateLegacyConfig,
  patchLeaves,
  redactRaw,
  redactUnparsedRaw,
  restoreRedacted,
  restoreRedactedRaw,
  substituteEnv,
} from "@clawdbot/config";
import type { MethodSpec } from "@clawdbot/nats-rpc";
import {
  type ConfigApplyParams,
  type ConfigIssue,
  type ConfigSetParams,
  type ConfigSnapshot,
  type ConfigWriteResult,
  invalidRequest,
} from "@clawdbot/protocol";
import JSON5 from "json5";
import { type ConfigStore, fileBase } from "../config-store.js";
import type { PluginSchemas } from "../plugin-schemas.js";
import { method } from "./define.js";

export interface ConfigHandlerDeps {
  store: ConfigStore;
  plugins: PluginSchemas;
  env: NodeJS.ProcessEnv;
  version: string;
}

/** The `config.*` family (spec §7.6); every method needs operator.admin, as in the original. */
export function configHandlers(deps: ConfigHandlerDeps): Record<string, MethodSpec> {
  const { store } = deps;

  const snapshot = async (): Promise<ConfigSnapshot> => {
    const file = store.read();
    const published = await store.published();
    const base = fileBase(file);
    const layered = base ? store.layered(base, await store.overridesNow()) : undefined;
    const issues: ConfigIssue[] = [...file.issues, ...(layered && !layered.ok ? layered.issues : [])];
    const config = published?.config ?? (layered?.ok ? layered.config : {});
    const secretPaths = [...(base?.secretPaths ?? []), ...(published?.secretPaths ?? [])];
    return {
      path: file.path,
      exists: file.exists,
      raw: file.raw === null ? null : isPlainObject(file.parsed) ? redactRaw(file.raw, file.parsed) : redactUnparsedRaw(file.raw),
      parsed: store.redact(file.parsed),
      valid: layered?.ok ?? false,
      config: store.redact(config, secretPaths),
      hash: file.hash,
      issues,
      warnings: layered?.ok ? layered.warnings : file.warnings,
      legacyIssues: file.legacyIssues,
      ...(published ? { provenance: published.provenance, effectiveHash: published.hash } : {}),
    };
  };

  const result = (out: Awaited<ReturnType<ConfigStore["write"]>>): ConfigWriteResult => ({
    ok: true,
    path: store.path,
    config: store.redact(out.layered.config, out.base.secretPaths),
    hash: out.base.hash,
    plan: out.published.plan,
    ...(out.migrated && out.migrated.length > 0 ? { migrated: out.migrated } : {}),
  });

  /** A whole new file text (`config.set`, `config.apply`): written as sent, markers put back in place. */
  const replace = async (params: ConfigSetParams | ConfigApplyParams): Promise<ConfigWriteResult> =>
    result(
      await store.write(params.baseHash, (current) => ({
        text: redactionSafe(() => restoreRedactedRaw(params.raw, current.parsed)),
      })),
    );

  return {
    "config.get": method("config.get", snapshot),
    "config.schema": method("config.schema", async () => buildConfigSchema(await deps.plugins.list(), deps.version)),
    "config.set": method("config.set", replace),
    "config.apply": method("config.apply", replace),
    "config.patch": method("config.patch", async (params) =>
      result(await store.write(params.baseHash, (current) => patchFile(current, params.raw, deps.env))),
    ),
  };
}

function redactionSafe<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof RedactionError) throw invalidRequest(err.message);
    throw err;
  }
}

/**
 * `config.patch`: the merge patch applies to the file as written (before `$include` and
 * `${VAR}`), so references stay references and includes stay includes; the original patches
 * the resolved config and so inlines secrets and flattens includes. Legacy keys are migrated on
 * the way, as the original does. A patch that an `$include` would undo (the value comes from
 * an included file) is refused rather than silently not applied.
 */
export function patchFile(current: ConfigFile, raw: string, env: NodeJS.ProcessEnv): { text: string; migrated: string[] } {
  if (!isPlainObject(current.parsed)) throw invalidRequest("config.patch needs a config file that parses; use config.set to replace it");
  let patch: unknown;
  try {
    patch = JSON5.parse(raw);
  } catch (err) {
    throw invalidRequest(`config.patch raw is not JSON5: ${(err as Error).message}`);
  }
  if (!isPlainObject(patch)) throw invalidRequest("config.patch raw must be an object");
  const restored = redactionSafe(() => restoreRedacted(patch, current.parsed, { dropMissing: true }));
  const merged = applyMergePatch(current.parsed, restored);
  const { config, changes } = migrateLegacyConfig(merged as Record<string, unknown>);
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const next = evaluateConfigText(current.path, text, { env });
  if (next.resolved) {
    for (const { path, value } of patchLeaves(restored)) {
      if (!underInclude(config, path)) continue;
      const expected = value === null ? undefined : substituteEnv(value, env).value;
      if (!jsonEqual(getAt(next.resolved, path), expected)) {
        throw invalidRequest(`config.patch cannot change ${path.join(".")}: its value comes from an ${INCLUDE_KEY}d file; edit that file, or replace the text with config.set`);
      }
    }
  }
  return { text, migrated: changes };
}

function underInclude(tree: unknown, path: string[]): boolean {
  for (let depth = 0; depth < path.length; depth++) {
    const node = getAt(tree, path.slice(0, depth));
    if (isPlainObject(node) && Object.hasOwn(node, INCLUDE_KEY)) return true;
  }
  return false;
}
