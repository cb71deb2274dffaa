import { positiveIntEnv } from "./env-numbers.js";
import { DEFAULT_NATS_PREFIX } from "@clawdbot/protocol";

/** Settings every service process shares, read from the environment in one place. */
export interface ServiceEnv {
  natsUrl: string;
  natsPrefix: string;
  logLevel: string;
  version: string;
  stateDir: string;
  /** An explicit config file path; otherwise the config file is looked up in the state dir. */
  configPath: string | undefined;
  heartbeatMs: number;
  /** JetStream replicas of every bucket and stream this process creates (CLAWDBOT_JS_REPLICAS). */
  jsReplicas: number;
}

/** A setting in the environment that a process must not start with. */
export class ServiceEnvError extends Error {
  override readonly name = "ServiceEnvError";
}

/** JetStream keeps a stream on at most 5 nodes. */
export const MAX_JS_REPLICAS = 5;

/**
 * CLAWDBOT_JS_REPLICAS: how many NATS nodes keep each bucket and stream (1 by default; 3 on a
 * 3-node cluster). A value that is not an integer from 1 to 5 throws `ServiceEnvError`: starting
 * with a guess would silently give up the redundancy the setting asks for.
 */
export function readJsReplicas(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CLAWDBOT_JS_REPLICAS?.trim();
  if (!raw) return 1;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_JS_REPLICAS) {
    throw new ServiceEnvError(`CLAWDBOT_JS_REPLICAS must be an integer from 1 to ${MAX_JS_REPLICAS} (JetStream replicas of every bucket and stream), not ${JSON.stringify(env.CLAWDBOT_JS_REPLICAS)}`);
  }
  return value;
}

/** Throws `ServiceEnvError` for a setting that cannot be used (see `readJsReplicas`). */
export function readServiceEnv(env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const home = env.HOME ?? env.USERPROFILE ?? ".";
  return {
    natsUrl: env.NATS_URL || "nats://127.0.0.1:4222",
    natsPrefix: env.CLAWDBOT_NATS_PREFIX || DEFAULT_NATS_PREFIX,
    logLevel: env.CLAWDBOT_LOG_LEVEL || env.LOG_LEVEL || "info",
    version: env.CLAWDBOT_VERSION || env.npm_package_version || "dev",
    stateDir: expandHome(env.MOLTBOT_STATE_DIR || env.CLAWDBOT_STATE_DIR || `${home}/.clawdbot`, home),
    configPath: env.MOLTBOT_CONFIG_PATH || env.CLAWDBOT_CONFIG_PATH || undefined,
    heartbeatMs: positiveIntEnv(env.CLAWDBOT_REGISTRY_HEARTBEAT_MS, 2_000),
    jsReplicas: readJsReplicas(env),
  };
}

function expandHome(path: string, home: string): string {
  return path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
}
