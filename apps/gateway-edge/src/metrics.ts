import { type CounterChild, type HistogramChild, OTHER, Registry, registerProcessMetrics } from "@clawdbot/metrics";
import { ErrorCodes, GATEWAY_EVENTS, isKnownMethod } from "@clawdbot/protocol";
import type { Outcome } from "./connection.js";
import type { LimitName, LimitObserver } from "./limits.js";

/** What the broadcaster reports per event; a one-liner in its loop (fanout.ts). */
export interface FanoutObserver {
  fannedOut(event: string, delivered: number, dropped: number): void;
  /** May come again for the same client until its socket has closed; counted once. */
  slowConsumerClosed(client: object): void;
}

export type CallRoute = "deny" | "local" | "forward";

export interface EdgeMetricsOptions {
  /** Open connections by dialect, read at scrape time (no bookkeeping on open/close). */
  connections: () => Iterable<{ state: string; dialect: { name: string } }>;
  /**
   * Beyond the protocol's methods: edge-local and announced ones, whose names are bounded by
   * what this edge and the services serve.
   */
  servesMethod: (method: string) => boolean;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));
const KNOWN_EVENTS: ReadonlySet<string> = new Set(GATEWAY_EVENTS);

/**
 * The edge's Prometheus metrics (served at `/metrics` on its port). Label values are bounded:
 * a method the edge does not know (not in the protocol, not edge-local, not announced) is
 * counted as `other`, so a client sending random method names cannot grow the series.
 */
export class EdgeMetrics implements FanoutObserver, LimitObserver {
  readonly registry = new Registry();
  readonly #options: EdgeMetricsOptions;
  readonly #calls;
  readonly #duration;
  readonly #durationByRoute: Record<"local" | "forward", HistogramChild>;
  readonly #okByMethod = new Map<string, CounterChild>();
  readonly #handshakesAccepted;
  readonly #handshakesRefused;
  readonly #delivered;
  readonly #dropped;
  readonly #slowCloses;
  readonly #replayed;
  readonly #slowClosed = new WeakSet<object>();
  readonly #limitRejections;
  #callsInFlight: () => { forwarding: number; pending: number } = () => ({ forwarding: 0, pending: 0 });

  constructor(options: EdgeMetricsOptions) {
    this.#options = options;
    const r = this.registry;
    r.gauge({
      name: "clawdbot_edge_connections",
      help: "Open (handshaken) client connections, by dialect.",
      labelNames: ["dialect"],
      collect: (gauge) => {
        const counts = { native: 0, jsonrpc: 0 } as Record<string, number>;
        for (const conn of options.connections()) if (conn.state === "open") counts[conn.dialect.name] = (counts[conn.dialect.name] ?? 0) + 1;
        for (const [dialect, n] of Object.entries(counts)) gauge.labels(dialect).set(n);
      },
    });
    this.#handshakesAccepted = r.counter({ name: "clawdbot_edge_handshakes_accepted_total", help: "Handshakes that opened a connection, by dialect.", labelNames: ["dialect"] });
    this.#handshakesRefused = r.counter({
      name: "clawdbot_edge_handshakes_refused_total",
      help: "Refused connection attempts: stage upgrade (HTTP status), connect (WebSocket close code) or timeout.",
      labelNames: ["stage", "code"],
    });
    this.#calls = r.counter({
      name: "clawdbot_edge_calls_total",
      help: "Calls answered, by method (other: unknown methods), outcome (ok or the error code) and kind (ok or the error kind).",
      labelNames: ["method", "outcome", "kind"],
    });
    this.#duration = r.histogram({
      name: "clawdbot_edge_call_duration_seconds",
      help: "Time from dispatch to the final answer, by route: local (answered by the edge) or forward (over NATS).",
      labelNames: ["route"],
    });
    this.#durationByRoute = { local: this.#duration.labels("local"), forward: this.#duration.labels("forward") };
    this.#delivered = r.counter({ name: "clawdbot_edge_events_delivered_total", help: "Event frames written to clients by broadcasts, by event.", labelNames: ["event"] });
    this.#dropped = r.counter({
      name: "clawdbot_edge_events_dropped_total",
      help: "Droppable events (dropIfSlow) a slow client missed, by event.",
      labelNames: ["event"],
    });
    this.#slowCloses = r.counter({ name: "clawdbot_edge_slow_consumer_closes_total", help: "Clients closed 1008 for having too much queued when a non-droppable event came." });
    this.#replayed = r.counter({
      name: "clawdbot_edge_events_replayed_total",
      help: "Event frames sent again by events.replay (its calls and EVENTS_GONE answers are in clawdbot_edge_calls_total).",
    });
    this.#limitRejections = r.counter({
      name: "clawdbot_edge_limit_rejections_total",
      help: "Calls or connections refused by a limit: inflight_per_conn, inflight_per_edge (UNAVAILABLE answers), connections_per_ip (close 1008).",
      labelNames: ["limit"],
    });
    r.gauge({
      name: "clawdbot_edge_calls_in_flight",
      help: "Calls dispatched and not yet answered: route forward (over NATS, what the in-flight limits count) and all (edge-local too).",
      labelNames: ["route"],
      collect: (gauge) => {
        const { forwarding, pending } = this.#callsInFlight();
        gauge.labels("forward").set(forwarding);
        gauge.labels("all").set(pending);
      },
    });
    registerProcessMetrics(r);
  }

  /** Where the in-flight gauge reads from at scrape time (the edge's CallLimits). */
  readCallsInFlight(source: () => { forwarding: number; pending: number }): void {
    this.#callsInFlight = source;
  }

  limitRejected(limit: LimitName): void {
    this.#limitRejections.labels(limit).inc();
  }

  /** One call's final answer. `ms` is measured by the caller from dispatch. */
  callAnswered(method: string, route: CallRoute, outcome: Outcome, ms: number): void {
    const name = this.#methodLabel(method);
    if (outcome.ok) {
      let ok = this.#okByMethod.get(name);
      if (ok === undefined) this.#okByMethod.set(name, (ok = this.#calls.labels(name, "ok", "ok")));
      ok.inc();
    } else {
      const { code, kind } = outcome.error;
      this.#calls.labels(name, KNOWN_CODES.has(code) ? code : OTHER, kind).inc();
    }
    if (route !== "deny") this.#durationByRoute[route].observe(ms / 1000);
  }

  handshakeAccepted(dialect: string): void {
    this.#handshakesAccepted.labels(dialect).inc();
  }

  /** `code`: the HTTP status of a refused upgrade, the close code of a refused connect. */
  handshakeRefused(stage: "upgrade" | "connect" | "timeout", code: number | string): void {
    this.#handshakesRefused.labels(stage, String(code)).inc();
  }

  fannedOut(event: string, delivered: number, dropped: number): void {
    const name = KNOWN_EVENTS.has(event) ? event : OTHER;
    if (delivered > 0) this.#delivered.labels(name).inc(delivered);
    if (dropped > 0) this.#dropped.labels(name).inc(dropped);
  }

  eventsReplayed(count: number): void {
    if (count > 0) this.#replayed.inc(count);
  }

  slowConsumerClosed(client: object): void {
    if (this.#slowClosed.has(client)) return;
    this.#slowClosed.add(client);
    this.#slowCloses.inc();
  }

  #methodLabel(method: string): string {
    return isKnownMethod(method) || this.#options.servesMethod(method) ? method : OTHER;
  }
}
