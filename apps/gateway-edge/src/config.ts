import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { DEFAULT_GATEWAY_PORT, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_POLICY } from "@clawdbot/protocol";
import { type ServiceEnv, readServiceEnv } from "@clawdbot/runtime";

export type AuthMode = "token" | "password";

export interface EdgeConfig extends ServiceEnv {
  port: number;
  bind: string;
  authMode: AuthMode;
  token: string | undefined;
  password: string | undefined;
  edgeId: string;
  host: string;
  commit: string | undefined;
  handshakeTimeoutMs: number;
  requestTimeoutMs: number;
  tickIntervalMs: number;
  maxPayload: number;
  maxBufferedBytes: number;
  healthRefreshMs: number;
  presenceBeatMs: number;
  /** Most entries a JSON-RPC batch may hold. */
  maxBatch: number;
}

export class EdgeConfigError extends Error {
  override readonly name = "EdgeConfigError";
}

const BIND_ALIASES: Record<string, string> = { loopback: "127.0.0.1", lan: "0.0.0.0", all: "0.0.0.0" };
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Reads the edge's settings from the environment; the only place the edge touches `process.env`.
 * Refuses, like the original (spec §4.1), to run without a shared secret.
 */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const base = readServiceEnv(env);
  const token = env.CLAWDBOT_GATEWAY_TOKEN || undefined;
  const password = env.CLAWDBOT_GATEWAY_PASSWORD || undefined;
  const modeRaw = env.CLAWDBOT_GATEWAY_AUTH_MODE || (password ? "password" : "token");
  if (modeRaw !== "token" && modeRaw !== "password") {
    throw new EdgeConfigError(`CLAWDBOT_GATEWAY_AUTH_MODE must be "token" or "password", not ${JSON.stringify(modeRaw)}`);
  }
  const authMode: AuthMode = modeRaw;
  if (authMode === "token" && !token) {
    throw new EdgeConfigError("gateway auth token not configured: set CLAWDBOT_GATEWAY_TOKEN (or CLAWDBOT_GATEWAY_PASSWORD for password auth)");
  }
  if (authMode === "password" && !password) {
    throw new EdgeConfigError("gateway auth password not configured: set CLAWDBOT_GATEWAY_PASSWORD");
  }
  const bindRaw = env.CLAWDBOT_GATEWAY_BIND || "loopback";
  const bind = BIND_ALIASES[bindRaw] ?? bindRaw;
  return {
    ...base,
    port: intSetting(env, "CLAWDBOT_GATEWAY_PORT", DEFAULT_GATEWAY_PORT, 0),
    bind,
    authMode,
    token,
    password,
    edgeId: env.CLAWDBOT_EDGE_ID || `edge-${randomBytes(4).toString("hex")}`,
    host: hostname(),
    commit: env.GIT_COMMIT || undefined,
    handshakeTimeoutMs: intSetting(env, "CLAWDBOT_HANDSHAKE_TIMEOUT_MS", DEFAULT_HANDSHAKE_TIMEOUT_MS, 1),
    requestTimeoutMs: intSetting(env, "CLAWDBOT_REQUEST_TIMEOUT_MS", 30_000, 1),
    tickIntervalMs: intSetting(env, "CLAWDBOT_TICK_INTERVAL_MS", DEFAULT_POLICY.tickIntervalMs, 1),
    maxPayload: DEFAULT_POLICY.maxPayload,
    maxBufferedBytes: intSetting(env, "CLAWDBOT_MAX_BUFFERED_BYTES", DEFAULT_POLICY.maxBufferedBytes, 1),
    healthRefreshMs: intSetting(env, "CLAWDBOT_HEALTH_REFRESH_MS", 60_000, 1),
    presenceBeatMs: intSetting(env, "CLAWDBOT_PRESENCE_BEAT_MS", 5_000, 1),
    maxBatch: intSetting(env, "CLAWDBOT_JSONRPC_MAX_BATCH", 100, 1),
  };
}

export function isLoopbackBind(bind: string): boolean {
  return LOOPBACK.has(bind) || bind.startsWith("127.");
}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > 2 ** 31) {
    throw new EdgeConfigError(`${name} must be an integer ≥ ${min}, not ${JSON.stringify(raw)}`);
  }
  return value;
}
