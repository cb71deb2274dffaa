import { isPlainObject, type JsonObject } from "./paths.js";

export class MissingEnvVarError extends Error {
  constructor(
    readonly varName: string,
    readonly configPath: string,
  ) {
    super(`Missing env var ${varName} referenced at config path: ${configPath}`);
    this.name = "MissingEnvVarError";
  }
}

/** Where a `${VAR}` was replaced, so the value can be treated as a secret when the name says so. */
export interface Substitution {
  path: string[];
  vars: string[];
}

// `$${VAR}` is an escaped literal; names are upper case, as the original's (subsystems §A.3).
const PATTERN = /\$(\$)?\{([A-Z_][A-Z0-9_]*)\}/g;

/**
 * The `env` block's variables (`env.vars.*` and string keys directly under `env`), which fill
 * variables the real environment leaves unset or empty; the config never overrides the
 * environment. Returned as a view, never written into `process.env`.
 */
export function envWithConfigVars(config: unknown, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const block = isPlainObject(config) && isPlainObject(config.env) ? config.env : undefined;
  if (!block) return env;
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(block)) if (key !== "shellEnv" && key !== "vars" && typeof value === "string") extra[key] = value;
  if (isPlainObject(block.vars)) for (const [key, value] of Object.entries(block.vars)) if (typeof value === "string") extra[key] = value;
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(extra)) if (!out[key]) out[key] = value;
  return out;
}

/** Replaces `${VAR}` in every string of the tree; a missing or empty variable is an error. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv): { value: unknown; substitutions: Substitution[] } {
  const substitutions: Substitution[] = [];
  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") {
      if (!node.includes("${")) return node;
      const vars: string[] = [];
      const replaced = node.replace(PATTERN, (_match, escaped: string | undefined, name: string) => {
        if (escaped) return `\${${name}}`;
        const resolved = env[name];
        if (resolved === undefined || resolved === "") throw new MissingEnvVarError(name, displayPath(path));
        vars.push(name);
        return resolved;
      });
      if (vars.length > 0) substitutions.push({ path: path.map(String), vars });
      return replaced;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (isPlainObject(node)) {
      const out: JsonObject = {};
      for (const [key, child] of Object.entries(node)) out[key] = visit(child, [...path, key]);
      return out;
    }
    return node;
  };
  return { value: visit(value, []), substitutions };
}

function displayPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), "");
}
