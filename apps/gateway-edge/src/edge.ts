import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { publishEvent, RegistryView, RpcClient } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { connectNats } from "@clawdbot/runtime";
import { Events } from "nats";
import type { Logger } from "pino";
import type { EdgeConfig } from "./config.js";
import type { Connection } from "./connection.js";
import type { EdgeContext } from "./edge-context.js";
import { EventBus } from "./event-bus.js";
import { Broadcaster } from "./fanout.js";
import { systemHandlers } from "./handlers/system.js";
import { HealthView } from "./health.js";
import { PresenceStore } from "./presence.js";
import { EdgeServer } from "./server.js";

export interface RunningEdge {
  address: AddressInfo;
  server: EdgeServer;
  broadcaster: Broadcaster;
  /** Graceful stop: no new sockets, `shutdown` to every client, close 1012, drain NATS. */
  stop: () => Promise<void>;
}

/** Connects to NATS, loads the shared views (registry, presence), and listens. */
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
  const presence = new PresenceStore({
    nc,
    names,
    log,
    self: { edgeId: config.edgeId, host: config.host, version: config.version },
    beatMs: config.presenceBeatMs,
  });
  await Promise.all([registry.start(), presence.start()]);
  const rpc = new RpcClient({ nc, names, timeoutMs: config.requestTimeoutMs });
  const health = new HealthView({
    registry,
    presence,
    rpc,
    log,
    edgeId: config.edgeId,
    sessionsPath: join(config.stateDir, "agents", "main", "sessions", "sessions.json"),
  });

  const clients = new Map<string, Connection>();
  const broadcaster = new Broadcaster(clients, config.maxBufferedBytes);
  const stateVersion = () => ({ presence: presence.version, health: health.version });
  const announcePresence = () => publishEvent(nc, names, "presence", { presence: presence.list() }, { dropIfSlow: true });
  const broadcastHealth = () => broadcaster.broadcast("health", health.cached, { stateVersion: stateVersion() });
  const localMethods = new Map(Object.entries(systemHandlers({ presence, health, announcePresence, broadcastHealth })));

  let requestCounter = 0;
  const edge: EdgeContext = {
    config,
    log,
    names,
    rpc,
    registry,
    startedAt: Date.now(),
    localMethods,
    nextRequestId: () => `${config.edgeId}-${(requestCounter++).toString(36)}`,
    snapshot: () => ({ presence: presence.list(), health: health.cached ?? {}, stateVersion: stateVersion() }),
  };

  const bus = new EventBus({
    nc,
    names,
    edgeId: config.edgeId,
    log,
    broadcaster,
    stateVersionFor: (event) => {
      if (event === "presence") presence.bumpVersion();
      return event === "presence" || event === "health" ? stateVersion() : undefined;
    },
  });
  bus.start();

  const server = new EdgeServer(edge, clients, {
    readiness: () => ({ nats: natsUp && !nc.isClosed(), registry: registry.loaded && presence.loaded }),
    onOpen: (conn) => {
      if (conn.presence) void presence.connected(conn.presence.key, conn.connId, conn.presence.entry);
    },
    onClose: (conn) => {
      // The original broadcasts presence on disconnect, not on connect (spec §3.4, §6.3).
      if (conn.presence) void presence.disconnected(conn.presence.key, conn.connId).then(announcePresence);
    },
  });
  const address = await server.listen();
  await health.refresh(false);
  const tick = setInterval(() => broadcaster.broadcast("tick", { ts: Date.now() }, { dropIfSlow: true }), config.tickIntervalMs);
  const healthTimer = setInterval(() => {
    void health.refresh(false).then(broadcastHealth);
  }, config.healthRefreshMs);

  return {
    address,
    server,
    broadcaster,
    stop: async () => {
      clearInterval(tick);
      clearInterval(healthTimer);
      server.stopAccepting();
      broadcaster.broadcast("shutdown", { reason: "gateway stopping" });
      await server.closeAll(1012, "service restart");
      bus.stop();
      await presence.stop();
      registry.stop();
      rpc.close();
      await nc.drain();
    },
  };
}
