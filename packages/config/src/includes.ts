import { readFileSync } from "node:fs";
import { dirname, isAbsolute, normalize, resolve } from "node:path";
import JSON5 from "json5";
import { isPlainObject, type JsonObject } from "./paths.js";

export const INCLUDE_KEY = "$include";
export const MAX_INCLUDE_DEPTH = 10;

export class ConfigIncludeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigIncludeError";
  }
}

export class CircularIncludeError extends ConfigIncludeError {
  constructor(readonly chain: string[]) {
    super(`Circular include detected: ${chain.join(" -> ")}`);
    this.name = "CircularIncludeError";
  }
}

/** The include merge (subsystems §A.3): arrays concatenate, objects recurse, a later scalar wins. */
export function includeMerge(target: unknown, source: unknown): unknown {
  if (Array.isArray(target) && Array.isArray(source)) return [...(target as unknown[]), ...(source as unknown[])];
  if (isPlainObject(target) && isPlainObject(source)) {
    const out: JsonObject = { ...target };
    for (const [key, value] of Object.entries(source)) out[key] = Object.hasOwn(target, key) ? includeMerge(target[key], value) : value;
    return out;
  }
  return source;
}

export interface ResolvedIncludes {
  value: unknown;
  /** Every file read through `$include`, absolute; the watcher watches them too. */
  files: string[];
}

/**
 * Replaces each object holding `$include` by the referenced file's content (a path, or an array
 * of paths merged in order; relative to the including file), with the object's other keys
 * merged over it. Up to 10 levels; a cycle names its chain.
 */
export function resolveIncludes(value: unknown, basePath: string, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): ResolvedIncludes {
  const files: string[] = [];
  const visit = (node: unknown, fromFile: string, chain: string[]): unknown => {
    if (Array.isArray(node)) return node.map((item) => visit(item, fromFile, chain));
    if (!isPlainObject(node)) return node;
    const rest: JsonObject = {};
    for (const [key, child] of Object.entries(node)) if (key !== INCLUDE_KEY) rest[key] = visit(child, fromFile, chain);
    if (!Object.hasOwn(node, INCLUDE_KEY)) return rest;
    const spec = node[INCLUDE_KEY];
    const targets = typeof spec === "string" ? [spec] : Array.isArray(spec) ? spec : null;
    if (!targets || targets.some((t) => typeof t !== "string")) {
      throw new ConfigIncludeError(`Invalid ${INCLUDE_KEY} value in ${fromFile}: expected a path or an array of paths`);
    }
    let included: unknown = typeof spec === "string" ? undefined : {};
    for (const target of targets as string[]) {
      const loaded = load(target, fromFile, chain);
      included = included === undefined ? loaded : includeMerge(included, loaded);
    }
    if (Object.keys(rest).length === 0) return included;
    if (!isPlainObject(included)) {
      throw new ConfigIncludeError(`Sibling keys next to ${INCLUDE_KEY} need the included content to be an object (in ${fromFile})`);
    }
    return includeMerge(included, rest);
  };
  const load = (target: string, fromFile: string, chain: string[]): unknown => {
    const path = normalize(isAbsolute(target) ? target : resolve(dirname(fromFile), target));
    if (chain.includes(path)) throw new CircularIncludeError([...chain, path]);
    if (chain.length > MAX_INCLUDE_DEPTH) throw new ConfigIncludeError(`Maximum include depth (${MAX_INCLUDE_DEPTH}) exceeded at ${target}`);
    if (!files.includes(path)) files.push(path);
    let text: string;
    try {
      text = readFile(path);
    } catch (err) {
      throw new ConfigIncludeError(`Failed to read include file ${target} (resolved: ${path}): ${(err as Error).message}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON5.parse(text);
    } catch (err) {
      throw new ConfigIncludeError(`Failed to parse include file ${target} (resolved: ${path}): ${(err as Error).message}`, { cause: err });
    }
    return visit(parsed, path, [...chain, path]);
  };
  return { value: visit(value, normalize(basePath), [normalize(basePath)]), files };
}
