import { type ConfigIssue, ConfigLayer } from "@clawdbot/protocol";
import { sha256 } from "./config-file.js";
import { canonicalJson, getAt, type JsonObject, leaves, mergeLayers } from "./paths.js";
import { type ClawdbotConfig, configDefaults } from "./schema.js";
import { validateConfig } from "./validate.js";

/** The layers, lowest first. A value comes from the highest layer that sets it. */
export const LAYERS = ConfigLayer.options;
export type Layer = ConfigLayer;

export interface LayerTrees {
  file: JsonObject;
  env: JsonObject;
  override: JsonObject;
}

export type LayeredResult =
  | { ok: true; config: ClawdbotConfig; provenance: Record<string, Layer>; hash: string; warnings: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[] };

/** The layer that sets a path (or its nearest set ancestor, for an array or scalar replaced whole). */
function layerAt(trees: Record<Layer, unknown>, path: string[]): Layer {
  for (const layer of [...LAYERS].reverse()) {
    for (let depth = path.length; depth > 0; depth--) {
      const value = getAt(trees[layer], path.slice(0, depth));
      if (value === undefined) continue;
      if (depth === path.length || typeof value !== "object" || value === null || Array.isArray(value)) return layer;
      break;
    }
  }
  return "default";
}

/**
 * Merges defaults < file < env < runtime overrides and validates the result. Provenance names
 * the layer of every leaf of the effective config. Issues caused by a layer above the file
 * say which layer, so a bad variable or override is not mistaken for a bad file.
 */
export function layerConfig(trees: LayerTrees): LayeredResult {
  const all: Record<Layer, unknown> = { default: configDefaults(), ...trees };
  const merged = LAYERS.reduce<unknown>((acc, layer) => mergeLayers(acc, all[layer]), {});
  const result = validateConfig(merged);
  if (!result.ok) {
    return {
      ok: false,
      issues: result.issues.map((issue) => {
        const layer = issue.path ? layerAt(all, issue.path.split(".")) : "file";
        return layer === "env" || layer === "override" ? { ...issue, message: `${issue.message} (set by the ${layer} layer)` } : issue;
      }),
    };
  }
  const provenance: Record<string, Layer> = {};
  for (const [path] of leaves(result.config)) provenance[path.join(".")] = layerAt(all, path);
  return { ok: true, config: result.config, provenance, hash: sha256(canonicalJson(result.config)), warnings: result.warnings };
}

/**
 * The layer a path's value comes from. For an object, the highest layer among its leaves
 * (what overrides anything inside it); undefined when the path is not in the config.
 */
export function layerOf(provenance: Record<string, Layer>, path: string): Layer | undefined {
  if (Object.hasOwn(provenance, path)) return provenance[path];
  let best: Layer | undefined;
  for (const [leaf, layer] of Object.entries(provenance)) {
    if (!leaf.startsWith(`${path}.`)) continue;
    if (best === undefined || LAYERS.indexOf(layer) > LAYERS.indexOf(best)) best = layer;
  }
  return best;
}
