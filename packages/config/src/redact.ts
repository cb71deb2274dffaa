import JSON5 from "json5";
import type { Substitution } from "./env-substitution.js";
import { getAt, isPlainObject, type JsonObject, parsePath } from "./paths.js";

/**
 * Stands in for a secret in everything `config.get` returns. Sent back in a write it means
 * "keep the value the file has": in `raw` as `__CLAWDBOT_REDACTED__:<path>` (the path the value
 * was read from), in objects plainly (the same path).
 */
export const REDACTED = "__CLAWDBOT_REDACTED__";

/** Key names that hold secrets: the original's `sensitive` pattern, plus header-like names. */
export const SECRET_KEY = /token|password|secret|api.?key|authorization|credential|cookie|private.?key/i;

export class RedactionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedactionError";
  }
}

/** Whether a leaf holds a secret: a string under a secret-looking key, or anywhere under `env`. */
export function isSecretPath(path: readonly string[]): boolean {
  const last = path.at(-1);
  if (last === undefined) return false;
  if (path[0] === "env" && path[1] !== "shellEnv") return true;
  return SECRET_KEY.test(last);
}

/** Paths where a `${VAR}` with a secret-looking name was substituted. */
export function secretSubstitutions(substitutions: readonly Substitution[]): string[][] {
  return substitutions.filter((s) => s.vars.some((v) => SECRET_KEY.test(v))).map((s) => s.path);
}

const PURE_REFERENCE = /^\$\{[A-Z_][A-Z0-9_]*\}$/;

/** A copy of a config tree with every secret string replaced by the marker. */
export function redactTree<T>(tree: T, extraPaths: readonly string[][] = []): T {
  const extra = new Set(extraPaths.map((p) => p.join(".")));
  const visit = (node: unknown, path: string[]): unknown => {
    if (typeof node === "string") {
      // A bare reference (`${GATEWAY_TOKEN}`) names a variable, it is not the secret: shown.
      if (!node || PURE_REFERENCE.test(node)) return node;
      return isSecretPath(path) || extra.has(path.join(".")) ? REDACTED : node;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, String(i)]));
    if (isPlainObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, [...path, k])]));
    return node;
  };
  return visit(tree, []) as T;
}

/** Secret literals of a parsed file (references like `${TOKEN}` are not secrets) with their paths. */
function secretLiterals(parsed: unknown): { path: string; value: string }[] {
  const found: { path: string; value: string }[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (typeof node === "string") {
      if (node && !node.includes("${") && isSecretPath(path)) found.push({ path: path.join("."), value: node });
    } else if (Array.isArray(node)) node.forEach((item, i) => visit(item, [...path, String(i)]));
    else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
  };
  visit(parsed, []);
  return found;
}

function parseOr(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch {
    return undefined;
  }
}

function stringsOf(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(stringsOf);
  if (isPlainObject(node)) return Object.values(node).flatMap(stringsOf);
  return [];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The file text with each secret literal replaced by a path marker, comments and layout kept.
 * When a secret cannot be found as a plain quoted literal (escapes, or a short value that also
 * occurs elsewhere), the text is given as redacted JSON instead: a secret never leaks.
 */
export function redactRaw(raw: string, parsed: unknown): string {
  const secrets = secretLiterals(parsed);
  let text = raw;
  for (const { path, value } of secrets) {
    const forms = [JSON.stringify(value), `'${value}'`].map(escapeRegExp).join("|");
    text = text.replace(new RegExp(forms, "g"), JSON.stringify(`${REDACTED}:${path}`));
  }
  // Checked on the text and on what it parses to: an escaped secret is not in the text as is.
  const values = new Set(secrets.map((s) => s.value));
  const reparsed = parseOr(text);
  const left = secretLiterals(reparsed).filter((s) => !s.value.startsWith(REDACTED));
  const safe = reparsed !== undefined && left.length === 0 && !stringsOf(reparsed).some((s) => values.has(s)) && secrets.every(({ value }) => !text.includes(value));
  if (safe) return text;
  return JSON.stringify(redactTree(parsed), null, 2);
}

/**
 * For text that does not parse (so no path is known): every quoted value after a
 * secret-looking key is replaced. Coarse, but a broken file must not leak either.
 */
export function redactUnparsedRaw(raw: string): string {
  const key = `["']?[\\w$-]*(?:${SECRET_KEY.source})[\\w$-]*["']?`;
  return raw.replace(new RegExp(`(${key}\\s*:\\s*)(["'])(?:\\\\.|(?!\\2)[^\\n])*\\2`, "gi"), `$1"${REDACTED}"`);
}

const MARKER = new RegExp(`^${REDACTED}(?::(.+))?$`);

/**
 * Puts the file's current values back where a write carries markers. A marker whose value no
 * longer exists is an error for a full replacement (`dropMissing` false) and is dropped from a
 * patch (`dropMissing` true: nothing to keep, so nothing changes).
 */
export function restoreRedacted(incoming: unknown, current: unknown, options: { dropMissing: boolean }): unknown {
  const visit = (node: unknown, path: string[]): unknown => {
    if (typeof node === "string") {
      const match = MARKER.exec(node);
      if (!match) return node;
      const source = match[1] ? parsePath(match[1]) : path;
      const value = getAt(current, source);
      if (typeof value === "string") return value;
      if (options.dropMissing) return undefined;
      throw new RedactionError(`${path.join(".") || "<root>"}: ${REDACTED} stands for ${source.join(".")}, which has no value in the file; send the value itself`);
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, String(i)]));
    if (isPlainObject(node)) {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(node)) {
        const restored = visit(v, [...path, k]);
        if (restored !== undefined) out[k] = restored;
      }
      return out;
    }
    return node;
  };
  return visit(incoming, []);
}

/**
 * The same for file text that will be written as sent (`config.set`, `config.apply`): markers
 * are replaced in place, so the sender's comments and layout survive.
 */
export function restoreRedactedRaw(raw: string, current: unknown): string {
  if (!raw.includes(REDACTED)) return raw;
  const literal = new RegExp(`(["'])${REDACTED}(?::([^"'\\\\]+))?\\1`, "g");
  // Plain markers carry no path; they are resolved by where they sit, which the parse tells.
  const plainPaths: string[][] = [];
  const walk = (node: unknown, path: string[]) => {
    if (node === REDACTED) plainPaths.push(path);
    else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, String(i)]));
    else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch {
    // Not JSON5: left as sent, so the write is refused with the parse error, not this.
    return raw;
  }
  walk(parsed, []);
  const plainValues = new Set(plainPaths.map((p) => getAt(current, p)));
  const plainValue = plainValues.size === 1 ? [...plainValues][0] : undefined;
  return raw.replace(literal, (_m, _q, named: string | undefined) => {
    if (named) {
      const value = getAt(current, parsePath(named));
      if (typeof value !== "string") throw new RedactionError(`${REDACTED}:${named} has no value in the file; send the value itself`);
      return JSON.stringify(value);
    }
    if (typeof plainValue !== "string") {
      throw new RedactionError(`${REDACTED} at ${plainPaths.map((p) => p.join(".")).join(", ")} cannot be matched to the file's values; send the values, or the path markers config.get gives in raw`);
    }
    return JSON.stringify(plainValue);
  });
}
