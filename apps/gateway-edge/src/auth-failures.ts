import type { NatsNames } from "@clawdbot/protocol";
import type { NatsConnection, Subscription } from "nats";
import type { Logger } from "pino";
import type { AuthRateLimiter } from "./rate-limit.js";

/** What limits failed auth for the handshake: ask before checking, report each failure. */
export interface AuthGuard {
  retryAfterMs(address: string): number;
  recordFailure(address: string): void;
}

interface FailureNotice {
  edgeId: string;
  address: string;
}

/**
 * One edge's rate limiter, kept in step with every other edge's: each failure is counted here
 * and published on the bus, and failures other edges publish are counted too. So a guesser
 * spreading attempts over edges behind a load balancer meets one limit. Delivery is best
 * effort (core NATS), which is enough for a limit.
 */
export class SharedAuthGuard implements AuthGuard {
  readonly #limiter: AuthRateLimiter;
  readonly #nc: NatsConnection;
  readonly #names: NatsNames;
  readonly #edgeId: string;
  readonly #log: Logger;
  #subscription: Subscription | undefined;

  constructor(options: { limiter: AuthRateLimiter; nc: NatsConnection; names: NatsNames; edgeId: string; log: Logger }) {
    this.#limiter = options.limiter;
    this.#nc = options.nc;
    this.#names = options.names;
    this.#edgeId = options.edgeId;
    this.#log = options.log;
  }

  start(): void {
    if (!this.#limiter.enabled) return;
    this.#subscription = this.#nc.subscribe(this.#names.authFailures, {
      callback: (_err, msg) => {
        try {
          const notice = msg.json<FailureNotice>();
          if (notice.edgeId !== this.#edgeId && typeof notice.address === "string" && notice.address) this.#limiter.recordFailure(notice.address);
        } catch {
          this.#log.debug({ subject: msg.subject }, "ignoring malformed auth failure notice");
        }
      },
    });
  }

  stop(): void {
    this.#subscription?.unsubscribe();
  }

  retryAfterMs(address: string): number {
    return this.#limiter.retryAfterMs(address);
  }

  recordFailure(address: string): void {
    if (!this.#limiter.enabled) return;
    this.#limiter.recordFailure(address);
    const notice: FailureNotice = { edgeId: this.#edgeId, address };
    this.#nc.publish(this.#names.authFailures, JSON.stringify(notice));
  }
}
