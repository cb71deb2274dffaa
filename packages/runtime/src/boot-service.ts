import { natsNames, type NatsNames } from "@clawdbot/protocol";
import { RpcServer } from "@clawdbot/nats-rpc";
import type { NatsConnection } from "nats";
import type { Logger } from "pino";
import { handleSignals } from "./lifecycle.js";
import { createLogger } from "./logger.js";
import { connectNats } from "./nats.js";
import { type ServiceEnv, readServiceEnv } from "./service-env.js";

export interface ServiceParts {
  env: ServiceEnv;
  log: Logger;
  nc: NatsConnection;
  names: NatsNames;
  server: RpcServer;
}

export interface BootServiceOptions {
  service: string;
  env?: ServiceEnv;
  /** Registers the service's methods (and starts its own work) before it is announced. */
  setup: (parts: ServiceParts) => void | Promise<void>;
  /** Stops the service's own work, after it stopped taking calls and before NATS drains. */
  teardown?: () => Promise<void>;
}

/**
 * The whole life of a service process: logger, NATS, methods served in the service's queue
 * group and announced, then on SIGTERM/SIGINT: announce the stop, finish in-flight calls, drain.
 */
export async function bootService(options: BootServiceOptions): Promise<ServiceParts> {
  const env = options.env ?? readServiceEnv();
  const log = createLogger({ service: options.service, level: env.logLevel });
  let nc: NatsConnection;
  try {
    nc = await connectNats({ url: env.natsUrl, name: options.service, log });
  } catch (err) {
    log.fatal({ err, nats: env.natsUrl }, "cannot reach NATS: is nats-server running? (`pnpm dev` starts one)");
    process.exit(1);
  }
  const names = natsNames(env.natsPrefix);
  const server = new RpcServer({ nc, names, service: options.service, version: env.version, log, heartbeatMs: env.heartbeatMs });
  const parts: ServiceParts = { env, log, nc, names, server };
  await options.setup(parts);
  await server.start();
  log.info({ instanceId: server.instanceId, prefix: names.prefix, nats: env.natsUrl }, `${options.service} ready`);
  handleSignals({
    log,
    stop: async () => {
      await server.stop();
      await options.teardown?.();
      await nc.drain();
    },
  });
  return parts;
}
