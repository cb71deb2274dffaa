/** A parsed JSON object; config trees are plain data (JSON5 in, JSON out). */
export type JsonObject = Record<string, unknown>;

// A path segment that would reach an object's prototype is refused wherever a path comes
// from outside (env names, override paths, patches), as the original's CLI does.
const BLOCKED_SEGMENTS = new Set(["__proto__", "prototype", "constructor"]);

export function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Splits a dot path (`gateway.auth.token`); array items are numeric segments (`agents.list.0.id`). */
export function parsePath(path: string): string[] {
  const segments = path.split(".");
  if (path === "" || segments.some((s) => s === "")) throw new Error(`invalid config path ${JSON.stringify(path)}`);
  const blocked = segments.find((s) => BLOCKED_SEGMENTS.has(s));
  if (blocked) throw new Error(`invalid config path ${JSON.stringify(path)}: segment ${JSON.stringify(blocked)} is not allowed`);
  return segments;
}

export function formatPath(segments: readonly (string | number)[]): string {
  return segments.join(".");
}

export function getAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isPlainObject(node)) node = Object.hasOwn(node, segment) ? node[segment] : undefined;
    else return undefined;
  }
  return node;
}

/** A copy of `root` with `value` at `segments`, creating objects on the way. */
export function setAt(root: JsonObject, segments: readonly string[], value: unknown): JsonObject {
  const [head, ...rest] = segments;
  if (head === undefined) return root;
  const copy: JsonObject = { ...root };
  if (rest.length === 0) copy[head] = value;
  else copy[head] = setAt(isPlainObject(root[head]) ? root[head] : {}, rest, value);
  return copy;
}

/** A copy of `root` without `segments`; emptied parent objects are removed too. */
export function deleteAt(root: JsonObject, segments: readonly string[]): JsonObject {
  const [head, ...rest] = segments;
  if (head === undefined || !Object.hasOwn(root, head)) return root;
  const copy: JsonObject = { ...root };
  if (rest.length === 0) {
    delete copy[head];
    return copy;
  }
  const child = root[head];
  if (!isPlainObject(child)) return root;
  const next = deleteAt(child, rest);
  if (Object.keys(next).length === 0) delete copy[head];
  else copy[head] = next;
  return copy;
}

/**
 * Every leaf of a tree with its path. Arrays are leaves (they replace as a whole in every
 * layer), and so are empty objects, so `{}` set on purpose still shows up.
 */
export function leaves(root: unknown, prefix: string[] = []): [string[], unknown][] {
  if (!isPlainObject(root) || (Object.keys(root).length === 0 && prefix.length > 0)) return prefix.length ? [[prefix, root]] : [];
  return Object.entries(root).flatMap(([key, value]) => leaves(value, [...prefix, key]));
}

/** Objects merge recursively; arrays and scalars of `over` replace. Inputs are not modified. */
export function mergeLayers(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return structuredClone(over);
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = Object.hasOwn(base, key) ? mergeLayers(base[key], value) : structuredClone(value);
  }
  return out;
}

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** JSON with object keys sorted, so equal trees hash equally whatever order they were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}
