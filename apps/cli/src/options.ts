import type { Command } from "commander";
import { CliError, ExitCode } from "./exit-codes.js";

export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

/** The connection flags of the original's gateway commands (spec §10.4). */
export interface ConnectionOptions {
  url?: string;
  token?: string;
  password?: string;
  timeout?: string;
  json?: boolean;
}

export function withConnectionOptions(cmd: Command, defaultTimeoutMs = DEFAULT_RPC_TIMEOUT_MS): Command {
  return cmd
    .option("--url <url>", "Gateway WebSocket URL (default: CLAWDBOT_GATEWAY_URL, else the config's gateway.port on 127.0.0.1)")
    .option("--token <token>", "Gateway token (default: CLAWDBOT_GATEWAY_TOKEN, else gateway.auth.token)")
    .option("--password <password>", "Gateway password (password auth)")
    .option("--timeout <ms>", "Timeout in ms", String(defaultTimeoutMs))
    .option("--json", "Output JSON", false);
}

/** A positive whole number of milliseconds. */
export function parseTimeoutMs(raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined || raw === "") return fallbackMs;
  const text = raw.trim();
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new CliError(`invalid --timeout: ${text}`, ExitCode.usage);
  return Number(text);
}

/** `--params`: JSON (an object, as every method takes named params). */
export function parseParams(raw: string | undefined): unknown {
  const text = raw ?? "{}";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError("--params must be valid JSON.", ExitCode.usage);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CliError("--params must be a JSON object.", ExitCode.usage);
  return value;
}

/** A positive integer option such as `--limit`. */
export function parsePositiveInt(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new CliError(`invalid ${flag}: ${text}`, ExitCode.usage);
  return Number(text);
}
