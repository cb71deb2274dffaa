import { nonNegativeIntEnv, positiveIntEnv } from "@clawdbot/runtime";

// Timing of runs, read from the environment in one place. Every value is configurable so tests
// run fast and a loaded machine does not flake (ARCHITECTURE §3a).

export interface RunSettings {
  /** How long a run's lease lasts; the owner refreshes it every third of this. */
  leaseMs: number;
  /** Pause between the echo provider's words. */
  echoWordDelayMs: number;
  /** Minimum gap between two chat `delta` events of one run (the original's 150 ms). */
  deltaThrottleMs: number;
  /** On SIGTERM, how long runs may go on before they end as `error`. */
  drainMs: number;
}

export function readRunSettings(env: NodeJS.ProcessEnv = process.env): RunSettings {
  return {
    leaseMs: positiveIntEnv(env.CLAWDBOT_RUN_LEASE_MS, 15_000),
    echoWordDelayMs: nonNegativeIntEnv(env.CLAWDBOT_ECHO_WORD_DELAY_MS, 40),
    deltaThrottleMs: nonNegativeIntEnv(env.CLAWDBOT_CHAT_DELTA_THROTTLE_MS, 150),
    drainMs: nonNegativeIntEnv(env.CLAWDBOT_RUN_DRAIN_MS, 5_000),
  };
}
