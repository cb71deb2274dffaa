import { type ClawdbotConfig, type EffectiveConfig, type Layer, layerOf } from "@clawdbot/config";
import { tailnetAddresses } from "@clawdbot/discovery";
import { DEFAULT_GATEWAY_PORT } from "@clawdbot/protocol";
import type { AuthSettings, AuthSettingsInput } from "./auth-settings.js";
import { bindAddress } from "./config.js";

// How the edge turns the effective config (which config-service publishes) plus its own
// environment into the settings it runs with. Pure, so the rules are testable on their own.

/** The effective config as far as these rules need it. */
export type ConfigView = Pick<EffectiveConfig, "config" | "provenance">;

/** Where each auth setting lives in the config (the original's keys). */
export const AUTH_PATHS = {
  mode: "gateway.auth.mode",
  token: "gateway.auth.token",
  password: "gateway.auth.password",
  trustedProxies: "gateway.trustedProxies",
  allowedOrigins: "gateway.controlUi.allowedOrigins",
  controlUiAllowInsecureAuth: "gateway.controlUi.allowInsecureAuth",
  controlUiDisableDeviceAuth: "gateway.controlUi.dangerouslyDisableDeviceAuth",
} as const satisfies Record<keyof AuthSettings, string>;

/** The auth settings `gateway.*` gives, before any layer of the edge's own is applied. */
export function authFromConfig(gateway: ClawdbotConfig["gateway"]): Partial<AuthSettings> {
  const { auth, controlUi } = gateway;
  return {
    mode: auth?.mode,
    token: auth?.token || undefined,
    password: auth?.password || undefined,
    trustedProxies: gateway.trustedProxies ?? [],
    allowedOrigins: controlUi?.allowedOrigins ?? [],
    controlUiAllowInsecureAuth: controlUi?.allowInsecureAuth ?? false,
    controlUiDisableDeviceAuth: controlUi?.dangerouslyDisableDeviceAuth ?? false,
  };
}

/**
 * The auth settings this edge runs with: the effective config, with each setting the edge's own
 * environment sets on top of it, except where a runtime override (`config.override.set`) sets
 * that key, because overrides are the highest layer. The mode, when nobody sets it, follows
 * the secret: a password means password mode (the original's rule). Not yet validated: the
 * result goes through `AuthSettings` (the holder refuses invalid settings).
 */
export function edgeAuthSettings(effective: ConfigView | null, envAuth: Partial<AuthSettings>): AuthSettingsInput {
  const merged: Partial<AuthSettings> = effective ? authFromConfig(effective.config.gateway) : {};
  const overridden = (path: string): boolean => effective !== null && layerOf(effective.provenance, path) === "override";
  for (const key of Object.keys(envAuth) as (keyof AuthSettings)[]) {
    if (envAuth[key] === undefined || overridden(AUTH_PATHS[key])) continue;
    (merged as Record<string, unknown>)[key] = envAuth[key];
  }
  return { ...merged, mode: merged.mode ?? (merged.password ? "password" : "token") };
}

/**
 * Where each auth setting came from, by config path (`gateway.auth.token` → `override`,
 * `edge-env`, or the config's layer), for the log. Keyed by path because the log redacts any
 * field named `token` or `password`.
 */
export function authSources(effective: ConfigView | null, envAuth: Partial<AuthSettings>): Record<string, Layer | "edge-env"> {
  const sources: Record<string, Layer | "edge-env"> = {};
  for (const [key, path] of Object.entries(AUTH_PATHS) as [keyof AuthSettings, string][]) {
    const layer = effective ? layerOf(effective.provenance, path) : undefined;
    if (envAuth[key] !== undefined && layer !== "override") sources[path] = "edge-env";
    else if (layer) sources[path] = layer;
  }
  return sources;
}

export interface ListenAddress {
  port: number;
  /** The address to listen on (127.0.0.1, 0.0.0.0, …). */
  bind: string;
  /** Set when `gateway.bind` could not be honoured as written (the edge falls back to loopback). */
  warning?: string;
}

/**
 * The listener address: the edge's own `CLAWDBOT_GATEWAY_PORT`/`_BIND` first (a port belongs to
 * one process, so not even an override moves it), else `gateway.port`/`gateway.bind`. Port 0
 * from the environment means "any free port" at the first listen and "the port it got" after
 * that (`currentPort`), so a listener restart keeps the address clients know.
 */
export function listenAddress(effective: ConfigView | null, env: { port?: number; bind?: string }, currentPort?: number): ListenAddress {
  const gateway = effective?.config.gateway;
  const envPort = env.port === 0 && currentPort !== undefined ? currentPort : env.port;
  const port = envPort ?? gateway?.port ?? DEFAULT_GATEWAY_PORT;
  if (env.bind !== undefined) return { port, bind: env.bind };
  const mode = gateway?.bind ?? "loopback";
  if (mode === "custom") {
    const host = gateway?.customBindHost?.trim();
    return host ? { port, bind: host } : { port, bind: "127.0.0.1", warning: "gateway.bind is custom but gateway.customBindHost is not set; listening on loopback" };
  }
  if (mode === "tailnet") {
    const v4 = tailnetAddresses().v4;
    return v4 ? { port, bind: v4 } : { port, bind: "127.0.0.1", warning: "gateway.bind is tailnet but this host has no tailnet IPv4; listening on loopback" };
  }
  return { port, bind: bindAddress(mode) };
}
