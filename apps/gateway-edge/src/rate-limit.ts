export interface AuthRateLimitOptions {
  /** Failed attempts an address may make within the window; 0 turns the limit off. */
  maxFailures: number;
  windowMs: number;
  /** Most addresses remembered; the oldest are forgotten first, so memory stays bounded. */
  maxAddresses?: number;
}

/**
 * Failed-auth limits per client address, over a sliding window: once an address has failed
 * `maxFailures` times within `windowMs`, every attempt from it is refused until the oldest of
 * those failures leaves the window. Correct credentials are refused too while limited, so a
 * guesser learns nothing from a lucky attempt.
 */
export class AuthRateLimiter {
  readonly #options: Required<AuthRateLimitOptions>;
  // Insertion order doubles as age order for eviction: an address is re-inserted on each failure.
  readonly #failures = new Map<string, number[]>();

  constructor(options: AuthRateLimitOptions) {
    this.#options = { maxAddresses: 10_000, ...options };
  }

  get enabled(): boolean {
    return this.#options.maxFailures > 0;
  }

  /** How long the address must wait before its next attempt; 0 when it may try now. */
  retryAfterMs(address: string, now = Date.now()): number {
    if (!this.enabled) return 0;
    const recent = this.#recent(address, now);
    if (recent.length < this.#options.maxFailures) return 0;
    return Math.max(1, recent[recent.length - this.#options.maxFailures]! + this.#options.windowMs - now);
  }

  recordFailure(address: string, now = Date.now()): void {
    if (!this.enabled) return;
    const recent = this.#recent(address, now);
    recent.push(now);
    // Keep only as many as can matter, so a flood costs constant memory per address.
    if (recent.length > this.#options.maxFailures) recent.splice(0, recent.length - this.#options.maxFailures);
    this.#failures.delete(address);
    this.#failures.set(address, recent);
    while (this.#failures.size > this.#options.maxAddresses) {
      this.#failures.delete(this.#failures.keys().next().value!);
    }
  }

  #recent(address: string, now: number): number[] {
    const all = this.#failures.get(address);
    if (!all) return [];
    const cutoff = now - this.#options.windowMs;
    const recent = all.filter((t) => t > cutoff);
    if (recent.length === 0) this.#failures.delete(address);
    else if (recent.length !== all.length) this.#failures.set(address, recent);
    return recent;
  }
}
