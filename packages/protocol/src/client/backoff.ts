/** Reconnect timing. Defaults are the reference client's (spec §10.1): 1 s, doubling, 30 s cap. */
export interface BackoffOptions {
  /** Delay before the first reconnect attempt. Default 1000 ms. */
  initialDelayMs?: number;
  /** Upper bound of the delay. Default 30000 ms. */
  maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /**
   * Fraction of the delay that is random, 0..1. Default 0.5: the delay lies between half and
   * all of the exponential value, so clients dropped together by one edge do not all come back
   * in the same millisecond to the next one.
   */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * Delay before reconnect attempt number `attempt` (0 for the first after a drop).
 *
 * @example
 * backoffDelay(0, {}, () => 1); // 1000
 * backoffDelay(3, {}, () => 1); // 8000
 * backoffDelay(9, {}, () => 0); // 15000: capped at 30000, minus up to half of it
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs, factor, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const exponential = Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, attempt));
  const spread = Math.min(1, Math.max(0, jitter));
  return Math.round(exponential * (1 - spread + spread * random()));
}
