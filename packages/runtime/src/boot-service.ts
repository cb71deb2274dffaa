import { natsNames, type NatsNames } from "@clawdbot/protocol";
import { RpcServer, retryTransient } from "@clawdbot/nats-rpc";
import type { NatsConnection } from "nats";
import type { Logger } from "pino";
import { handleSignals } from "./lifecycle.js";
import { createLogger } from "./logger.js";
import { connectNats } from "./nats.js";
import type { MetricsServer, Registry } from "@clawdbot/metrics";
import { ServiceMetrics, serveServiceMetrics, watchNatsConnection } from "./service-metrics.js";
import { type ServiceEnv, ServiceEnvError, readServiceEnv } from "./service-env.js";
import { type StreamReplication, ensureReplicas, kvStreamName } from "./stream-replicas.js";

export interface ServiceParts {
  env: ServiceEnv;
  log: Logger;
  nc: NatsConnection;
  names: NatsNames;
  server: RpcServer;
  /** What every bucket and stream the service creates is given: `env.jsReplicas`, and this log. */
  replication: StreamReplication;
  /** Served at CLAWDBOT_METRICS_PORT with the RPC and NATS metrics; a service may add its own. */
  metrics: Registry;
}

export interface BootServiceOptions {
  service: string;
  env?: ServiceEnv;
  /**
   * Registers the service's methods (and starts its own work) before it is announced. Wrap each
   * JetStream step in `retryTransient` so a fresh cluster's leader elections are waited out.
   */
  setup: (parts: ServiceParts) => void | Promise<void>;
  /** Stops the service's own work, after it stopped taking calls and before NATS drains. */
  teardown?: () => Promise<void>;
}

/**
 * The whole life of a service process: logger, NATS, methods served in the service's queue
 * group and announced, then on SIGTERM/SIGINT: announce the stop, finish in-flight calls, drain.
 * A setting it cannot use, an unreachable NATS, or a setup that fails (after retrying what is
 * transient) ends the process with one fatal log line saying why.
 */
export async function bootService(options: BootServiceOptions): Promise<ServiceParts> {
  const env = options.env ?? readEnvOrExit(options.service);
  const log = createLogger({ service: options.service, level: env.logLevel });
  let nc: NatsConnection;
  try {
    nc = await connectNats({ url: env.natsUrl, name: options.service, log });
  } catch (err) {
    log.fatal({ err, nats: env.natsUrl }, "cannot reach NATS: is nats-server running? (`pnpm dev` starts one)");
    process.exit(1);
  }
  const names = natsNames(env.natsPrefix);
  const replication: StreamReplication = { replicas: env.jsReplicas, log };
  const metrics = new ServiceMetrics();
  watchNatsConnection(metrics.registry, nc);
  const server = new RpcServer({ nc, names, service: options.service, version: env.version, log, heartbeatMs: env.heartbeatMs, replicas: env.jsReplicas, observer: metrics });
  const parts: ServiceParts = { env, log, nc, names, server, replication, metrics: metrics.registry };
  let metricsServer: MetricsServer | undefined;
  try {
    metricsServer = await serveServiceMetrics(metrics.registry, log);
    await options.setup(parts);
    await server.start();
    // The announcer creates the registry bucket with these replicas; one made before gets raised.
    await retryTransient("registry bucket replicas", async () => ensureReplicas(await nc.jetstreamManager({ checkAPI: false }), kvStreamName(names.registryBucket), replication), { log });
  } catch (err) {
    log.fatal({ err, jsReplicas: env.jsReplicas, nats: env.natsUrl }, `${options.service} could not start${replicasHint(err, env.jsReplicas)}`);
    process.exit(1);
  }
  log.info({ instanceId: server.instanceId, prefix: names.prefix, nats: env.natsUrl, jsReplicas: env.jsReplicas }, `${options.service} ready`);
  handleSignals({
    log,
    stop: async () => {
      await server.stop();
      await options.teardown?.();
      await nc.drain();
      await metricsServer?.close();
    },
  });
  return parts;
}

function readEnvOrExit(service: string): ServiceEnv {
  try {
    return readServiceEnv();
  } catch (err) {
    if (!(err instanceof ServiceEnvError)) throw err;
    createLogger({ service }).fatal(err.message);
    process.exit(1);
  }
}

/** JetStream's refusals of a replica count, said in terms of the setting that asked for it. */
function replicasHint(err: unknown, replicas: number): string {
  if (replicas === 1) return "";
  const cause = (err as { cause?: unknown } | null)?.cause;
  const text = `${(err as Error | null)?.message ?? ""} ${cause instanceof Error ? cause.message : ""}`;
  return /replicas|suitable peers|insufficient resources|non-clustered/i.test(text)
    ? `: CLAWDBOT_JS_REPLICAS=${replicas} needs a JetStream cluster of at least ${replicas} nodes`
    : "";
}
