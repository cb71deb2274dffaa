import { isPlainObject, type JsonObject } from "./paths.js";

/** RFC 7386 JSON merge patch: `null` deletes, objects recurse, arrays and scalars replace. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** The leaf paths a patch sets (with the value) or deletes (`null`). */
export function patchLeaves(patch: unknown, prefix: string[] = []): { path: string[]; value: unknown }[] {
  if (!isPlainObject(patch) || (prefix.length > 0 && Object.keys(patch).length === 0)) return prefix.length ? [{ path: prefix, value: patch }] : [];
  return Object.entries(patch).flatMap(([key, value]) => patchLeaves(value, [...prefix, key]));
}
