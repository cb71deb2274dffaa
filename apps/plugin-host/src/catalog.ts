import { statSync } from "node:fs";
import type { ConfigIssue, PluginDiagnostic, PluginOrigin } from "@clawdbot/protocol";
import type { PluginConfigValidator } from "./config-validation.js";
import { type DiscoveryRoots, discoverPlugins } from "./discovery.js";
import { resolveEnableState } from "./enablement.js";
import { type PluginManifest, readManifest } from "./manifest.js";
import { type PluginsConfig, normalizePluginsConfig } from "./plugins-config.js";

/** What should happen to one discovered plugin under the current config. Built without running plugin code. */
export interface PluginPlan {
  id: string;
  origin: PluginOrigin;
  source: string;
  rootDir: string;
  manifest: PluginManifest | undefined;
  manifestPath: string | undefined;
  /** Caches the compiled config schema: the manifest path and its mtime. */
  schemaKey: string;
  /** Changes when its entry file or manifest does; a running plugin whose fingerprint changed is restarted. */
  fingerprint: string;
  /** What the enablement rules say. */
  enabled: boolean;
  /** Why it is disabled, or auto-enabled. */
  reason: string | undefined;
  /** Set when it cannot run: manifest problems, an id taken by an earlier plugin, invalid config. */
  error: string | undefined;
  configIssues: ConfigIssue[];
  /** The validated config with schema defaults, when it is enabled and valid. */
  pluginConfig: Record<string, unknown> | undefined;
}

export interface Catalog {
  plans: PluginPlan[];
  plugins: PluginsConfig;
  diagnostics: PluginDiagnostic[];
}

/** Discovery, manifests, enablement and config validation in one pass (the original's manifest registry + loader checks). */
export function buildCatalog(config: Record<string, unknown>, roots: Omit<DiscoveryRoots, "loadPaths">, validator: PluginConfigValidator): Catalog {
  const plugins = normalizePluginsConfig(config);
  const { candidates, diagnostics } = discoverPlugins({ ...roots, loadPaths: plugins.loadPaths });
  const plans: PluginPlan[] = [];
  const firstById = new Map<string, PluginPlan>();

  for (const candidate of candidates) {
    const read = readManifest(candidate.rootDir);
    const sourceMtime = statSync(candidate.source, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const base = {
      origin: candidate.origin,
      source: candidate.source,
      rootDir: candidate.rootDir,
      configIssues: [] as ConfigIssue[],
      pluginConfig: undefined,
    };
    if (!read.ok) {
      diagnostics.push({ level: "error", message: read.error, pluginId: candidate.idHint, source: read.path ?? candidate.source });
      plans.push({
        ...base,
        id: candidate.idHint,
        manifest: undefined,
        manifestPath: read.path,
        schemaKey: "",
        fingerprint: `${candidate.source}:${sourceMtime}`,
        enabled: false,
        reason: undefined,
        error: read.error,
      });
      continue;
    }
    const { manifest } = read;
    if (manifest.id !== candidate.idHint && !candidate.idHint.endsWith(`/${manifest.id}`)) {
      diagnostics.push({
        level: "warn",
        message: `plugin id mismatch (manifest uses "${manifest.id}", entry hints "${candidate.idHint}")`,
        pluginId: manifest.id,
        source: candidate.source,
      });
    }
    const plan: PluginPlan = {
      ...base,
      id: manifest.id,
      manifest,
      manifestPath: read.path,
      schemaKey: `${read.path}:${read.mtimeMs}`,
      fingerprint: `${candidate.source}:${sourceMtime}:${read.mtimeMs}`,
      enabled: false,
      reason: undefined,
      error: undefined,
    };
    plans.push(plan);
    const first = firstById.get(manifest.id);
    if (first) {
      // config > workspace > global > bundled: the first one seen wins.
      plan.reason = `overridden by ${first.origin} plugin`;
      plan.error = `overridden by ${first.origin} plugin`;
      continue;
    }
    firstById.set(manifest.id, plan);
    const state = resolveEnableState(manifest.id, candidate.origin, plugins, manifest, config);
    plan.enabled = state.enabled;
    plan.reason = state.reason;
    if (!state.enabled) continue;
    const check = validator.check(manifest.id, plan.schemaKey, manifest.configSchema, plugins.entries[manifest.id]?.config);
    if (check.ok) plan.pluginConfig = check.value;
    else {
      plan.configIssues = check.issues;
      plan.error = check.error;
    }
  }
  return { plans, plugins, diagnostics };
}

/** The plan a plugin id resolves to: the first discovered with that id. */
export function planFor(catalog: Catalog, id: string): PluginPlan | undefined {
  return catalog.plans.find((p) => p.id === id && !p.error?.startsWith("overridden by"));
}
