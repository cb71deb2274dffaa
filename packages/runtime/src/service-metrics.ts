import { type CounterChild, type HistogramChild, type MetricsServer, OTHER, Registry, registerProcessMetrics, serveMetrics } from "@clawdbot/metrics";
import type { RpcObserver } from "@clawdbot/nats-rpc";
import { ErrorCodes, type GatewayError } from "@clawdbot/protocol";
import { Events, type NatsConnection } from "nats";
import type { Logger } from "pino";
import { ServiceEnvError } from "./service-env.js";

export interface MetricsListen {
  port: number;
  host: string;
}

/**
 * CLAWDBOT_METRICS_PORT: where a service serves `GET /metrics` (unset: nowhere; 0: a free port,
 * logged). CLAWDBOT_METRICS_BIND: the address, loopback unless set. A bad value throws
 * `ServiceEnvError` rather than quietly running unobserved.
 */
export function readMetricsListen(env: NodeJS.ProcessEnv = process.env): MetricsListen | undefined {
  const raw = env.CLAWDBOT_METRICS_PORT?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new ServiceEnvError(`CLAWDBOT_METRICS_PORT must be a port number (0 for a free one), not ${JSON.stringify(env.CLAWDBOT_METRICS_PORT)}`);
  }
  return { port, host: env.CLAWDBOT_METRICS_BIND?.trim() || "127.0.0.1" };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/**
 * A service's metrics: its RPC calls by method and outcome with a handler latency histogram,
 * its NATS connection, its process. Methods are the ones the service registered, so the
 * method label is bounded by the code.
 */
export class ServiceMetrics implements RpcObserver {
  readonly registry = new Registry();
  readonly #calls;
  readonly #duration;
  // Per method, the series every successful call touches: no lookup or allocation per call.
  readonly #byMethod = new Map<string, { ok: CounterChild; duration: HistogramChild }>();

  constructor() {
    this.#calls = this.registry.counter({
      name: "clawdbot_rpc_calls_total",
      help: "Requests this service answered, by method, outcome (ok or the error code) and kind (ok or the error kind).",
      labelNames: ["method", "outcome", "kind"],
    });
    this.#duration = this.registry.histogram({
      name: "clawdbot_rpc_handler_duration_seconds",
      help: "Time from a request's arrival to its answer (validation and handler), by method.",
      labelNames: ["method"],
    });
    registerProcessMetrics(this.registry);
  }

  answered(method: string, error: GatewayError | undefined, seconds: number): void {
    let series = this.#byMethod.get(method);
    if (series === undefined) {
      series = { ok: this.#calls.labels(method, "ok", "ok"), duration: this.#duration.labels(method) };
      this.#byMethod.set(method, series);
    }
    series.duration.observe(seconds);
    if (error === undefined) series.ok.inc();
    else this.#calls.labels(method, KNOWN_CODES.has(error.code) ? error.code : OTHER, error.kind).inc();
  }
}

/**
 * Counts the NATS connection's losses and recoveries, and whether it is up now. The edge and
 * every service register the same three metrics this way.
 */
export function watchNatsConnection(registry: Registry, nc: NatsConnection): void {
  const disconnects = registry.counter({ name: "clawdbot_nats_disconnects_total", help: "Times the NATS connection was lost." });
  const reconnects = registry.counter({ name: "clawdbot_nats_reconnects_total", help: "Times the NATS connection came back." });
  let connected = 1;
  registry.gauge({ name: "clawdbot_nats_connected", help: "1 while connected to NATS, else 0.", collect: (g) => g.set(nc.isClosed() ? 0 : connected) });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        connected = 0;
        disconnects.inc();
      } else if (status.type === Events.Reconnect) {
        connected = 1;
        reconnects.inc();
      }
    }
  })();
}

/** Serves the registry where CLAWDBOT_METRICS_PORT says, and logs the port; nothing when unset. */
export async function serveServiceMetrics(registry: Registry, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<MetricsServer | undefined> {
  const listen = readMetricsListen(env);
  if (listen === undefined) return undefined;
  const server = await serveMetrics({ registry, ...listen });
  log.info({ metrics: `http://${listen.host}:${server.address.port}/metrics` }, "metrics listening");
  return server;
}
