import { type GatewayError, unavailable } from "@clawdbot/protocol";
import { isLoopbackIp } from "./client-address.js";
import type { EdgeLimitSettings } from "./config.js";

/** The `limit` label of `clawdbot_edge_limit_rejections_total`. */
export type LimitName = "inflight_per_conn" | "inflight_per_edge" | "connections_per_ip";

/** Counts refusals and reads the in-flight gauge; EdgeMetrics implements it. */
export interface LimitObserver {
  limitRejected(limit: LimitName): void;
  readCallsInFlight?(source: () => { forwarding: number; pending: number }): void;
}

/**
 * A refused call is retryable at once-ish: the calls ahead of it are being answered as it
 * waits. Short, so a client that honours it does not stall; non-zero, so it does not spin.
 */
export const LIMIT_RETRY_AFTER_MS = 250;

/** What a call still unanswered when a graceful stop's drain deadline passes is answered. */
export function drainDeadlineError(drainTimeoutMs: number): GatewayError {
  return unavailable(`gateway edge is stopping: the call was not answered within the ${drainTimeoutMs} ms drain; retry on another edge`, {
    details: { reason: "edge_stopping" },
    retryAfterMs: LIMIT_RETRY_AFTER_MS,
  });
}

/** The close a socket over its address's connection limit gets (see AddressConnections). */
export const TOO_MANY_CONNECTIONS = { code: 1008, reason: "too many connections from this address" } as const;

/**
 * Calls in flight on this edge, with the per-connection and per-edge caps on forwarded ones
 * (ARCHITECTURE §7 backpressure). A call over a cap is answered UNAVAILABLE (retryable) at once
 * instead of queueing on NATS behind the ones already waiting. The counts also feed the
 * `clawdbot_edge_calls_in_flight` gauge.
 */
export class CallLimits {
  readonly #settings: EdgeLimitSettings;
  readonly #observer: LimitObserver;
  /** Forwarded over NATS and not yet answered, edge-wide. */
  #forwarding = 0;
  /** Every dispatched call not yet answered (edge-local ones too), edge-wide. */
  #pending = 0;

  constructor(settings: EdgeLimitSettings, observer: LimitObserver) {
    this.#settings = settings;
    this.#observer = observer;
    observer.readCallsInFlight?.(() => ({ forwarding: this.#forwarding, pending: this.#pending }));
  }

  get forwarding(): number {
    return this.#forwarding;
  }
  get pending(): number {
    return this.#pending;
  }

  /** The refusal for one more forwarded call of a connection that has `connForwarding` unanswered, if any. */
  refuseForward(connForwarding: number): GatewayError | undefined {
    const { maxInflightPerConnection: perConn, maxInflightPerEdge: perEdge } = this.#settings;
    if (perConn > 0 && connForwarding >= perConn) {
      return this.#refuse("inflight_per_conn", `too many calls in flight on this connection (limit ${perConn})`, perConn);
    }
    if (perEdge > 0 && this.#forwarding >= perEdge) {
      return this.#refuse("inflight_per_edge", `gateway edge overloaded: too many calls in flight (limit ${perEdge})`, perEdge);
    }
    return undefined;
  }

  callStarted(forward: boolean): void {
    this.#pending++;
    if (forward) this.#forwarding++;
  }

  callFinished(forward: boolean): void {
    this.#pending--;
    if (forward) this.#forwarding--;
  }

  #refuse(limit: LimitName, message: string, max: number): GatewayError {
    this.#observer.limitRejected(limit);
    return unavailable(message, { details: { limit, max }, retryAfterMs: LIMIT_RETRY_AFTER_MS });
  }
}

/**
 * Open WebSockets per client address (after trusted-proxy resolution, client-address.ts).
 * Loopback addresses are exempt: they are this machine (the owner's own processes, `pnpm bench`
 * with thousands of sockets, a local load balancer that is not a trusted proxy), and a remote
 * client cannot pose as loopback because X-Forwarded-For only counts from a trusted proxy.
 */
export class AddressConnections {
  readonly #max: number;
  readonly #observer: LimitObserver;
  readonly #open = new Map<string, number>();

  constructor(max: number, observer: LimitObserver) {
    this.#max = max;
    this.#observer = observer;
  }

  /** Takes a slot for one more socket from `ip`; false (and counted) when the address is at its limit. */
  tryOpen(ip: string): boolean {
    if (this.#max === 0 || isLoopbackIp(ip)) return true;
    const open = this.#open.get(ip) ?? 0;
    if (open >= this.#max) {
      this.#observer.limitRejected("connections_per_ip");
      return false;
    }
    this.#open.set(ip, open + 1);
    return true;
  }

  /** Gives back the slot `tryOpen(ip)` took. */
  closed(ip: string): void {
    if (this.#max === 0 || isLoopbackIp(ip)) return;
    const open = (this.#open.get(ip) ?? 0) - 1;
    if (open > 0) this.#open.set(ip, open);
    else this.#open.delete(ip);
  }

  /** Open sockets counted for `ip` (loopback and unlimited: 0). */
  count(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }
}
