export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Chat `delta` pacing: at most one per `intervalMs` per run, each with the full text so far
 * (spec §8.2). Unlike the original, an update that arrives inside the window is not lost: it
 * goes out when the window closes (trailing flush), and `flush()` sends it at once before the
 * run's `final`, so the last delta always carries the last text.
 */
export class DeltaThrottle {
  readonly #intervalMs: number;
  readonly #emit: (text: string, seq: number) => void;
  readonly #clock: Clock;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #pending: { text: string; seq: number } | undefined;
  #timer: unknown;

  constructor(intervalMs: number, emit: (text: string, seq: number) => void, clock: Clock = realClock) {
    this.#intervalMs = intervalMs;
    this.#emit = emit;
    this.#clock = clock;
  }

  update(text: string, seq: number): void {
    const now = this.#clock.now();
    if (this.#timer === undefined && now - this.#lastSentAt >= this.#intervalMs) {
      this.#send(text, seq, now);
      return;
    }
    this.#pending = { text, seq };
    this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, Math.max(0, this.#lastSentAt + this.#intervalMs - now));
  }

  /** Sends the held-back update now, if there is one. */
  flush(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const pending = this.#pending;
    if (pending) this.#send(pending.text, pending.seq, this.#clock.now());
  }

  /** Drops the held-back update (the run was aborted or failed). */
  cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
  }

  #send(text: string, seq: number, now: number): void {
    this.#pending = undefined;
    this.#lastSentAt = now;
    this.#emit(text, seq);
  }
}
