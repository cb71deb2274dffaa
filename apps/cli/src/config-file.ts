import { readFileSync } from "node:fs";
import { readServiceEnv, resolveConfigPath } from "@clawdbot/runtime";
import JSON5 from "json5";
import { CliError, ExitCode } from "./exit-codes.js";

/** The parts of the config file the CLI reads to find and authenticate to the gateway. */
export interface CliConfigView {
  path: string;
  exists: boolean;
  config: Record<string, unknown>;
}

/**
 * Reads the config file the services read (`CLAWDBOT_CONFIG_PATH`, else `moltbot.json` /
 * legacy `clawdbot.json` in the state dir). A missing file is an empty config; a file that does
 * not parse is a usage error, since guessing around it could connect with the wrong secret.
 */
export function readCliConfig(env: NodeJS.ProcessEnv): CliConfigView {
  const { stateDir, configPath } = readServiceEnv(env);
  const path = resolveConfigPath(stateDir, configPath);
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path, exists: false, config: {} };
    throw new CliError(`cannot read config file ${path}: ${(err as Error).message}`, ExitCode.usage, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    throw new CliError(`config file ${path} is not valid JSON5: ${(err as Error).message}`, ExitCode.usage, { cause: err });
  }
  if (!isRecord(parsed)) throw new CliError(`config file ${path} must hold an object`, ExitCode.usage);
  return { path, exists: true, config: parsed };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `get(config, "gateway", "auth", "token")` when every step is an object. */
export function dig(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}
