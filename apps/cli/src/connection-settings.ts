import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_GATEWAY_PORT } from "@clawdbot/protocol";
import { readServiceEnv } from "@clawdbot/runtime";
import { type CliConfigView, dig, readCliConfig } from "./config-file.js";
import { CliError, ExitCode } from "./exit-codes.js";

export interface ConnectionFlags {
  url?: string | undefined;
  token?: string | undefined;
  password?: string | undefined;
}

export type SettingSource = "flag" | "env" | "config" | "token file" | "default";

export interface ConnectionSettings {
  url: string;
  token?: string;
  password?: string;
  /** Where each came from, for error messages ("token from env"). */
  sources: { url: SettingSource; token?: SettingSource; password?: SettingSource };
}

/**
 * Where to connect and with which secret, from flags, then the environment
 * (`CLAWDBOT_GATEWAY_URL`, `CLAWDBOT_GATEWAY_TOKEN`, `CLAWDBOT_GATEWAY_PASSWORD`), then the config
 * file (`gateway.remote.*` in remote mode, else `gateway.port` and `gateway.auth.*`), as the
 * original's `callGateway` resolves them (spec §10.2). For a local gateway found through the
 * config or the default port, the token `pnpm dev` keeps in `<stateDir>/gateway-token` is last.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, readConfig: (env: NodeJS.ProcessEnv) => CliConfigView = readCliConfig): ConnectionSettings {
  let config: CliConfigView | undefined;
  const cfg = () => (config ??= readConfig(env)).config;
  const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);

  const remote = () => dig(cfg(), "gateway", "mode") === "remote";
  let url: string;
  let urlSource: SettingSource;
  if (text(flags.url)) [url, urlSource] = [text(flags.url)!, "flag"];
  else if (text(env.CLAWDBOT_GATEWAY_URL)) [url, urlSource] = [text(env.CLAWDBOT_GATEWAY_URL)!, "env"];
  else if (remote() && text(dig(cfg(), "gateway", "remote", "url"))) [url, urlSource] = [text(dig(cfg(), "gateway", "remote", "url"))!, "config"];
  else {
    const envPort = text(env.CLAWDBOT_GATEWAY_PORT);
    const cfgPort = dig(cfg(), "gateway", "port");
    const port = envPort ?? (typeof cfgPort === "number" ? String(cfgPort) : String(DEFAULT_GATEWAY_PORT));
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535) throw new CliError(`invalid gateway port: ${port}`, ExitCode.usage);
    [url, urlSource] = [`ws://127.0.0.1:${port}`, envPort ? "env" : typeof cfgPort === "number" ? "config" : "default"];
  }
  if (!/^wss?:\/\/[^/]/i.test(url)) throw new CliError(`gateway URL must start with ws:// or wss://, not ${JSON.stringify(url)}`, ExitCode.usage);

  const settings: ConnectionSettings = { url, sources: { url: urlSource } };
  let token = pick(flags.token, "flag") ?? pick(env.CLAWDBOT_GATEWAY_TOKEN, "env");
  let password = pick(flags.password, "flag") ?? pick(env.CLAWDBOT_GATEWAY_PASSWORD, "env");
  if (!token && !password) {
    const authPath = remote() ? ["gateway", "remote"] : ["gateway", "auth"];
    token = pick(dig(cfg(), ...authPath, "token"), "config");
    password = pick(dig(cfg(), ...authPath, "password"), "config");
  }
  // The dev token file is for the local gateway only: never sent to a URL someone typed.
  if (!token && !password && (urlSource === "config" || urlSource === "default") && !remote()) {
    const fromFile = readTokenFile(env);
    if (fromFile) token = [fromFile, "token file"];
  }
  if (token) [settings.token, settings.sources.token] = token;
  if (password) [settings.password, settings.sources.password] = password;
  return settings;
}

function pick(value: unknown, source: SettingSource): [string, SettingSource] | undefined {
  return typeof value === "string" && value.trim() ? [value.trim(), source] : undefined;
}

function readTokenFile(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return readFileSync(join(readServiceEnv(env).stateDir, "gateway-token"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
