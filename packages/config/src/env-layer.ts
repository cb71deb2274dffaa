import JSON5 from "json5";
import { type JsonObject, parsePath, setAt } from "./paths.js";

/** Prefix of the generic mapping: `CLAWDBOT_CONFIG__gateway__port=19000` sets `gateway.port`. */
export const ENV_CONFIG_PREFIX = "CLAWDBOT_CONFIG__";

const integer = (raw: string): unknown => (/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw);
const text = (raw: string): unknown => raw;

/** The original's explicit variables (subsystems §A.2), with the path each one sets. */
export const EXPLICIT_ENV_VARS: Record<string, { path: string; parse: (raw: string) => unknown }> = {
  CLAWDBOT_GATEWAY_PORT: { path: "gateway.port", parse: integer },
  CLAWDBOT_GATEWAY_BIND: { path: "gateway.bind", parse: text },
  CLAWDBOT_GATEWAY_TOKEN: { path: "gateway.auth.token", parse: text },
  CLAWDBOT_GATEWAY_PASSWORD: { path: "gateway.auth.password", parse: text },
  CLAWDBOT_GATEWAY_AUTH_MODE: { path: "gateway.auth.mode", parse: text },
};

export interface EnvLayer {
  tree: JsonObject;
  /** Which variable set each path, for logs and errors. */
  sources: Record<string, string>;
  /** Variables that could not be mapped (a bad path); they are reported and skipped. */
  errors: { variable: string; message: string }[];
}

/**
 * The environment layer: explicit variables first, then the generic `CLAWDBOT_CONFIG__a__b`
 * mapping (values parsed as JSON5, else taken as a string), so a generic variable wins over an
 * explicit one for the same path. Empty variables count as unset.
 */
export function envLayer(env: NodeJS.ProcessEnv): EnvLayer {
  let tree: JsonObject = {};
  const sources: Record<string, string> = {};
  const errors: EnvLayer["errors"] = [];
  for (const [variable, mapping] of Object.entries(EXPLICIT_ENV_VARS)) {
    const raw = env[variable];
    if (raw === undefined || raw === "") continue;
    tree = setAt(tree, parsePath(mapping.path), mapping.parse(raw));
    sources[mapping.path] = variable;
  }
  for (const variable of Object.keys(env).filter((v) => v.startsWith(ENV_CONFIG_PREFIX)).sort()) {
    const raw = env[variable];
    if (raw === undefined || raw === "") continue;
    let segments: string[];
    try {
      segments = parsePath(variable.slice(ENV_CONFIG_PREFIX.length).split("__").join("."));
    } catch (err) {
      errors.push({ variable, message: (err as Error).message });
      continue;
    }
    tree = setAt(tree, segments, parseValue(raw));
    sources[segments.join(".")] = variable;
  }
  return { tree, sources, errors };
}

function parseValue(raw: string): unknown {
  try {
    return JSON5.parse(raw);
  } catch {
    return raw;
  }
}
