import { isRecord } from "./config-file.js";
import { CliError, ExitCode } from "./exit-codes.js";

// Config paths on the command line (`gateway.auth.token`, `agents.list[0].id` or `agents.list.0.id`)
// and the merge patch (RFC 7386, what `config.patch` takes) that sets or removes one.

export type PathSegment = string | number;

const BLOCKED = new Set(["__proto__", "prototype", "constructor"]);

/**
 * `config.get` shows secrets as this marker; sent back, it means "keep the file's value". A bare
 * marker refers to its own path, so inside an array that is rewritten (where indexes may move)
 * each one is pinned to the path it was read from. Mirrors the config service's convention.
 */
const REDACTED = "__CLAWDBOT_REDACTED__";

export function parseConfigPath(text: string): PathSegment[] {
  const trimmed = text.trim();
  if (!trimmed) throw new CliError("config path is empty", ExitCode.usage);
  const segments: PathSegment[] = [];
  for (const part of trimmed.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match || (match[1] === "" && match[2] === "")) throw new CliError(`invalid config path ${JSON.stringify(text)}`, ExitCode.usage);
    if (match[1]) segments.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  const blocked = segments.find((s) => typeof s === "string" && BLOCKED.has(s));
  if (blocked !== undefined) throw new CliError(`invalid config path ${JSON.stringify(text)}: segment ${JSON.stringify(blocked)} is not allowed`, ExitCode.usage);
  if (typeof segments[0] !== "string") throw new CliError(`invalid config path ${JSON.stringify(text)}: must start with a key`, ExitCode.usage);
  return segments;
}

export function formatConfigPath(path: readonly PathSegment[]): string {
  return path.map(String).join(".");
}

export function getAtPath(root: unknown, path: readonly PathSegment[]): { found: boolean; value?: unknown } {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === "number" && segment < node.length) node = node[segment];
    else if (isRecord(node) && Object.hasOwn(node, String(segment))) node = node[String(segment)];
    else return { found: false };
  }
  return { found: true, value: node };
}

export type PatchOp = { set: unknown } | { unset: true };

/**
 * The merge patch for one change. Objects are patched key by key; a merge patch cannot reach
 * into an array, so the first array on the path is sent whole, changed here (from `file`, the
 * config as the file has it). Setting an object value merges it into what is there, as
 * `config.patch` does; `null` cannot be set at an object key (it means "remove").
 */
export function buildPatch(file: unknown, path: readonly PathSegment[], op: PatchOp): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  let target = patch;
  let node: unknown = file;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    const child = isRecord(node) ? node[String(segment)] : undefined;
    if (Array.isArray(child) && !last) {
      target[String(segment)] = changeArray(pinMarkers(child, path.slice(0, i + 1)), path.slice(i + 1), op, path);
      return patch;
    }
    if (last) {
      if ("unset" in op) {
        if (!getAtPath(file, path).found) throw new CliError(`Config path not found: ${formatConfigPath(path)}`, ExitCode.failed);
        target[String(segment)] = null;
      } else {
        if (op.set === null) throw new CliError("null removes a key in a merge patch: use `clawdbot config unset`", ExitCode.usage);
        target[String(segment)] = op.set;
      }
      return patch;
    }
    if (typeof path[i + 1] === "number") throw new CliError(`Config path not found: ${formatConfigPath(path.slice(0, i + 1))} is not a list`, ExitCode.failed);
    const next: Record<string, unknown> = {};
    target[String(segment)] = next;
    target = next;
    node = child;
  }
  return patch;
}

/** Applies the change to a copy of an array (the rest of the path is inside it). */
function changeArray(array: unknown[], rest: readonly PathSegment[], op: PatchOp, full: readonly PathSegment[]): unknown[] {
  const root: unknown[] = structuredClone(array);
  let node: unknown = root;
  for (let i = 0; i < rest.length; i++) {
    const segment = rest[i]!;
    const last = i === rest.length - 1;
    if (Array.isArray(node)) {
      if (typeof segment !== "number") throw new CliError(`Config path not found: ${formatConfigPath(full)} (a list takes an index)`, ExitCode.failed);
      if (last) {
        if ("unset" in op) {
          if (segment >= node.length) throw new CliError(`Config path not found: ${formatConfigPath(full)}`, ExitCode.failed);
          node.splice(segment, 1);
        } else if (segment > node.length) {
          throw new CliError(`index ${segment} is past the end of the list (length ${node.length})`, ExitCode.usage);
        } else {
          node[segment] = op.set;
        }
        return root;
      }
      if (node[segment] === undefined && segment === node.length) node.push(typeof rest[i + 1] === "number" ? [] : {});
      if (node[segment] === undefined) throw new CliError(`Config path not found: ${formatConfigPath(full)}`, ExitCode.failed);
      node = node[segment];
    } else if (isRecord(node)) {
      const key = String(segment);
      if (last) {
        if ("unset" in op) {
          if (!Object.hasOwn(node, key)) throw new CliError(`Config path not found: ${formatConfigPath(full)}`, ExitCode.failed);
          delete node[key];
        } else {
          node[key] = op.set;
        }
        return root;
      }
      if (!Object.hasOwn(node, key)) node[key] = typeof rest[i + 1] === "number" ? [] : {};
      node = node[key];
    } else {
      throw new CliError(`Config path not found: ${formatConfigPath(full)}`, ExitCode.failed);
    }
  }
  return root;
}

function pinMarkers(array: unknown[], at: readonly PathSegment[]): unknown[] {
  const visit = (node: unknown, path: readonly PathSegment[]): unknown => {
    if (node === REDACTED) return `${REDACTED}:${formatConfigPath(path)}`;
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (isRecord(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, [...path, k])]));
    return node;
  };
  return visit(array, at) as unknown[];
}
