import type { AddressInfo } from "node:net";
import { RegistryView, RpcClient } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { connectNats } from "@clawdbot/runtime";
import { Events } from "nats";
import type { Logger } from "pino";
import type { EdgeConfig } from "./config.js";
import type { EdgeContext } from "./edge-context.js";
import { Broadcaster } from "./fanout.js";
import { EdgeServer } from "./server.js";

export interface RunningEdge {
  address: AddressInfo;
  server: EdgeServer;
  broadcaster: Broadcaster;
  /** Graceful stop: no new sockets, `shutdown` to every client, close 1012, drain NATS. */
  stop: () => Promise<void>;
}

/** Connects to NATS, loads the method registry, and listens. */
export async function startEdge(config: EdgeConfig, log: Logger): Promise<RunningEdge> {
  const nc = await connectNats({ url: config.natsUrl, name: `gateway-edge:${config.edgeId}`, log });
  let natsUp = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) natsUp = false;
      else if (status.type === Events.Reconnect) natsUp = true;
    }
  })();

  const names = natsNames(config.natsPrefix);
  const registry = new RegistryView({ nc, names, log });
  await registry.start();
  const rpc = new RpcClient({ nc, names, timeoutMs: config.requestTimeoutMs });
  let requestCounter = 0;
  const edge: EdgeContext = {
    config,
    log,
    names,
    rpc,
    registry,
    startedAt: Date.now(),
    nextRequestId: () => `${config.edgeId}-${(requestCounter++).toString(36)}`,
  };

  const server = new EdgeServer(edge, () => ({ nats: natsUp && !nc.isClosed(), registry: registry.loaded }));
  const address = await server.listen();
  const broadcaster = new Broadcaster(server.clients, config.maxBufferedBytes);
  const tick = setInterval(() => broadcaster.broadcast("tick", { ts: Date.now() }, { dropIfSlow: true }), config.tickIntervalMs);

  return {
    address,
    server,
    broadcaster,
    stop: async () => {
      clearInterval(tick);
      server.stopAccepting();
      broadcaster.broadcast("shutdown", { reason: "gateway stopping" });
      await server.closeAll(1012, "service restart");
      registry.stop();
      rpc.close();
      await nc.drain();
    },
  };
}
