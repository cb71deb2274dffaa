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
}

export function readServiceEnv(env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const home = env.HOME ?? env.USERPROFILE ?? ".";
  return {
    natsUrl: env.NATS_URL || "nats://127.0.0.1:4222",
    natsPrefix: env.CLAWDBOT_NATS_PREFIX || DEFAULT_NATS_PREFIX,
    logLevel: env.CLAWDBOT_LOG_LEVEL || env.LOG_LEVEL || "info",
    version: env.CLAWDBOT_VERSION || env.npm_package_version || "dev",
    stateDir: expandHome(env.MOLTBOT_STATE_DIR || env.CLAWDBOT_STATE_DIR || `${home}/.clawdbot`, home),
    configPath: env.MOLTBOT_CONFIG_PATH || env.CLAWDBOT_CONFIG_PATH || undefined,
    heartbeatMs: positiveInt(env.CLAWDBOT_REGISTRY_HEARTBEAT_MS, 2_000),
  };
}

function expandHome(path: string, home: string): string {
  return path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
