import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { DEFAULT_GATEWAY_PORT, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_POLICY } from "@clawdbot/protocol";
import { type ServiceEnv, readServiceEnv } from "@clawdbot/runtime";
import { type AuthSettings, authListIssues } from "./auth-settings.js";
import type { EventRetention } from "./event-log.js";
import type { AuthRateLimitOptions } from "./rate-limit.js";

export interface EdgeConfig extends ServiceEnv {
  /**
   * What the edge's own environment fixes for its listener (`CLAWDBOT_GATEWAY_PORT`, `_BIND`).
   * These beat the effective config: a port belongs to one process. Unset ones follow
   * `gateway.port` / `gateway.bind`.
   */
  listen: { port?: number; bind?: string };
  /**
   * Auth settings the edge's own environment sets, key by key. They sit above the effective
   * config (defaults, file, config-service's environment) and below runtime overrides, the
   * project's order. May be empty: the secret can come from the config alone.
   */
  envAuth: Partial<AuthSettings>;
  /** How long an edge with no secret of its own waits at start for config-service's first publication. */
  configWaitMs: number;
  /** Failed-auth limit per client address, shared by the edges. */
  authRateLimit: AuthRateLimitOptions;
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
  /** `GET /metrics` on the edge's port (CLAWDBOT_METRICS, default on). */
  metrics: boolean;
  /** How much of the shared event log JetStream keeps for `events.replay`. */
  eventRetention: EventRetention;
  /** Backpressure (limits.ts); 0 turns a limit off. */
  limits: EdgeLimitSettings;
  /** `shutdown.restartExpectedMs` sent to every client on a graceful stop. */
  restartExpectedMs: number;
  /** How long a graceful stop waits for calls in flight before it fails them and closes. */
  drainTimeoutMs: number;
}

export interface EdgeLimitSettings {
  /** Calls one connection may have forwarded and unanswered (CLAWDBOT_MAX_INFLIGHT_PER_CONN). */
  maxInflightPerConnection: number;
  /** Calls the whole edge may have forwarded and unanswered (CLAWDBOT_MAX_INFLIGHT_PER_EDGE). */
  maxInflightPerEdge: number;
  /** Open WebSockets from one non-loopback client address (CLAWDBOT_MAX_CONNECTIONS_PER_IP). */
  maxConnectionsPerIp: number;
}

export class EdgeConfigError extends Error {
  override readonly name = "EdgeConfigError";
}

const BIND_ALIASES: Record<string, string> = { loopback: "127.0.0.1", lan: "0.0.0.0", all: "0.0.0.0", auto: "127.0.0.1" };
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** The address to listen on for a bind setting: `loopback`/`auto` → 127.0.0.1, `lan` → 0.0.0.0, else the address as given. */
export function bindAddress(bind: string): string {
  return BIND_ALIASES[bind] ?? bind;
}

/**
 * Reads the edge's settings from the environment; the only place the edge touches `process.env`.
 * Only what is set counts: the rest comes from the effective config once NATS is up, and the
 * edge refuses to start (`startEdge`) when neither gives it a shared secret (spec §4.1).
 */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const base = readServiceEnv(env);
  const mode = env.CLAWDBOT_GATEWAY_AUTH_MODE || undefined;
  if (mode !== undefined && mode !== "token" && mode !== "password") {
    throw new EdgeConfigError(`CLAWDBOT_GATEWAY_AUTH_MODE must be "token" or "password", not ${JSON.stringify(mode)}`);
  }
  const envAuth: Partial<AuthSettings> = {};
  if (mode) envAuth.mode = mode;
  if (env.CLAWDBOT_GATEWAY_TOKEN) envAuth.token = env.CLAWDBOT_GATEWAY_TOKEN;
  if (env.CLAWDBOT_GATEWAY_PASSWORD) envAuth.password = env.CLAWDBOT_GATEWAY_PASSWORD;
  if (env.CLAWDBOT_GATEWAY_TRUSTED_PROXIES) envAuth.trustedProxies = listSetting(env.CLAWDBOT_GATEWAY_TRUSTED_PROXIES);
  if (env.CLAWDBOT_GATEWAY_ALLOWED_ORIGINS) envAuth.allowedOrigins = listSetting(env.CLAWDBOT_GATEWAY_ALLOWED_ORIGINS);
  const insecure = flagSetting(env, "CLAWDBOT_GATEWAY_CONTROL_UI_ALLOW_INSECURE_AUTH");
  if (insecure !== undefined) envAuth.controlUiAllowInsecureAuth = insecure;
  const noDeviceAuth = flagSetting(env, "CLAWDBOT_GATEWAY_CONTROL_UI_DISABLE_DEVICE_AUTH");
  if (noDeviceAuth !== undefined) envAuth.controlUiDisableDeviceAuth = noDeviceAuth;
  const listIssues = authListIssues(envAuth);
  if (listIssues.length > 0) {
    throw new EdgeConfigError(`invalid auth settings: ${listIssues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const port = env.CLAWDBOT_GATEWAY_PORT ? intSetting(env, "CLAWDBOT_GATEWAY_PORT", DEFAULT_GATEWAY_PORT, 0) : undefined;
  const bind = env.CLAWDBOT_GATEWAY_BIND ? bindAddress(env.CLAWDBOT_GATEWAY_BIND) : undefined;
  return {
    ...base,
    listen: { ...(port !== undefined ? { port } : {}), ...(bind !== undefined ? { bind } : {}) },
    envAuth,
    configWaitMs: intSetting(env, "CLAWDBOT_CONFIG_WAIT_MS", 5_000, 0),
    authRateLimit: {
      maxFailures: intSetting(env, "CLAWDBOT_AUTH_RATE_LIMIT", 10, 0),
      windowMs: intSetting(env, "CLAWDBOT_AUTH_RATE_WINDOW_MS", 60_000, 1),
    },
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
    metrics: flagSetting(env, "CLAWDBOT_METRICS") ?? true,
    eventRetention: {
      maxAgeMs: intSetting(env, "CLAWDBOT_EVENT_RETENTION_MS", 600_000, 1_000),
      maxEvents: intSetting(env, "CLAWDBOT_EVENT_RETENTION_MAX", 100_000, 1),
      maxBytes: intSetting(env, "CLAWDBOT_EVENT_RETENTION_BYTES", 256 * 1024 * 1024, 1_024),
    },
    limits: {
      maxInflightPerConnection: intSetting(env, "CLAWDBOT_MAX_INFLIGHT_PER_CONN", 256, 0),
      maxInflightPerEdge: intSetting(env, "CLAWDBOT_MAX_INFLIGHT_PER_EDGE", 10_000, 0),
      maxConnectionsPerIp: intSetting(env, "CLAWDBOT_MAX_CONNECTIONS_PER_IP", 1_000, 0),
    },
    restartExpectedMs: intSetting(env, "CLAWDBOT_RESTART_EXPECTED_MS", 5_000, 0),
    drainTimeoutMs: intSetting(env, "CLAWDBOT_DRAIN_TIMEOUT_MS", 10_000, 0),
  };
}

/** A comma-separated list: `10.0.0.1, 10.0.1.0/24`. */
function listSetting(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((v) => v.trim()).filter(Boolean);
}

/** A 1/0 flag; undefined when unset, so an unset flag leaves the config's value alone. */
function flagSetting(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = (env[name] ?? "").trim().toLowerCase();
  if (raw === "") return undefined;
  if (raw === "0" || raw === "false" || raw === "no") return false;
  if (raw === "1" || raw === "true" || raw === "yes") return true;
  throw new EdgeConfigError(`${name} must be 1/true or 0/false, not ${JSON.stringify(env[name])}`);
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
