import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { CONFIG_KEYS, KvLease, openConfigBucket } from "@clawdbot/config";
import { publishEvent, RegistryView, RpcClient } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { connectNats, retryTransient, watchNatsConnection } from "@clawdbot/runtime";
import { Events } from "nats";
import type { Logger } from "pino";
import { prepareAdvertising } from "./advertise.js";
import { SharedAuthGuard } from "./auth-failures.js";
import type { AuthSettingsHolder } from "./auth-settings.js";
import type { EdgeConfig } from "./config.js";
import type { Connection } from "./connection.js";
import type { EdgeContext } from "./edge-context.js";
import { DeviceStore } from "./device-store.js";
import { EventBus } from "./event-bus.js";
import { EventLog } from "./event-log.js";
import { Broadcaster } from "./fanout.js";
import { deviceHandlers } from "./handlers/devices.js";
import { eventHandlers } from "./handlers/events.js";
import { systemHandlers } from "./handlers/system.js";
import type { AdmissionServices } from "./handshake.js";
import { HealthView } from "./health.js";
import { ListenerRestarter } from "./listener-restart.js";
import { AddressConnections, CallLimits } from "./limits.js";
import { EdgeMetrics } from "./metrics.js";
import { LiveConfig } from "./live-config.js";
import { listenAddress } from "./live-config-settings.js";
import { withSecretRedaction } from "./log-redaction.js";
import { PresenceStore } from "./presence.js";
import { AuthRateLimiter } from "./rate-limit.js";
import { EdgeServer } from "./server.js";
import { dropStaleDeviceSessions } from "./token-revocation.js";
import { WriteBatch } from "./write-batch.js";

export interface RunningEdge {
  /** Where the listener is now; a listener restart can move it. */
  readonly address: AddressInfo;
  server: EdgeServer;
  broadcaster: Broadcaster;
  /** The live auth settings: `update()` applies to every later connection (hot reload). */
  authSettings: AuthSettingsHolder;
  /** Graceful stop: no new sockets, `shutdown` to every client, close 1012, drain NATS. */
  stop: () => Promise<void>;
}

export interface StartEdgeOptions {
  /** The edge can no longer serve (its listener could not be reopened after a restart). */
  onFatal?: (err: unknown) => void;
}

/**
 * Connects to NATS, follows the effective config (auth settings, log level, listener address),
 * loads the shared views (registry, presence), and listens.
 */
export async function startEdge(config: EdgeConfig, rootLog: Logger, options: StartEdgeOptions = {}): Promise<RunningEdge> {
  const log = withSecretRedaction(rootLog);
  const nc = await connectNats({ url: config.natsUrl, name: `gateway-edge:${config.edgeId}`, log });
  let natsUp = true;
  // Its views are read lazily (at a scrape, at a call), once they exist.
  const metrics = new EdgeMetrics({
    connections: () => clients.values(),
    servesMethod: (method) => localMethods.has(method) || registry.announcedAccess(method) !== undefined,
  });
  watchNatsConnection(metrics.registry, nc);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) natsUp = false;
      else if (status.type === Events.Reconnect) natsUp = true;
    }
  })();

  const names = natsNames(config.natsPrefix);
  let live: LiveConfig;
  try {
    live = await LiveConfig.start({ nc, names, envAuth: config.envAuth, envLogLevel: config.logLevel, rootLog, log, waitMs: config.configWaitMs });
  } catch (err) {
    await nc.close();
    throw err;
  }
  const firstListen = listenAddress(live.current, config.listen);
  const startAuth = live.authSettings.current();
  let discovery: ReturnType<typeof prepareAdvertising>;
  try {
    discovery = prepareAdvertising({ bind: firstListen.bind, authMode: startAuth.mode, secrets: [startAuth.token, startAuth.password], stateDir: config.stateDir });
  } catch (err) {
    live.stop();
    await nc.close();
    throw err;
  }
  const registry = new RegistryView({ nc, names, log });
  const presence = new PresenceStore({
    nc,
    names,
    log,
    self: { edgeId: config.edgeId, host: config.host, version: config.version },
    beatMs: config.presenceBeatMs,
    replicas: config.jsReplicas,
  });
  // On a fresh cluster JetStream may still be electing leaders: retry what is transient.
  const js = nc.jetstream();
  const [devices, eventLog] = await retryTransient(
    "edge JetStream setup",
    async () =>
      Promise.all([
        DeviceStore.open({ nc, names, log, replicas: config.jsReplicas }),
        EventLog.open({ js, jsm: await nc.jetstreamManager(), names, log, replication: { replicas: config.jsReplicas, log }, retention: config.eventRetention }),
        registry.start(),
        presence.start(),
      ]),
    { log },
  );
  const rpc = new RpcClient({ nc, names, timeoutMs: config.requestTimeoutMs });
  const health = new HealthView({
    registry,
    presence,
    rpc,
    log,
    edgeId: config.edgeId,
    sessionsPath: join(config.stateDir, "agents", "main", "sessions", "sessions.json"),
    logPosition: (): number => broadcaster.seq,
  });

  const clients = new Map<string, Connection>();
  const broadcaster = new Broadcaster(clients, config.maxBufferedBytes, metrics);
  const stateVersion = () => ({ presence: presence.version, health: health.version });
  const announcePresence = () => publishEvent(nc, names, "presence", { presence: presence.list() }, { dropIfSlow: true });
  const broadcastHealth = () => broadcaster.broadcast("health", health.cached, { stateVersion: stateVersion() });
  const guard = new SharedAuthGuard({ limiter: new AuthRateLimiter(config.authRateLimit), nc, names, edgeId: config.edgeId, log });
  guard.start();
  // Pairing events go through the bus, so operators on every edge see them (spec §6.3).
  const admission: AdmissionServices = {
    devices,
    guard,
    announce: (event, payload) => publishEvent(nc, names, event, payload, { dropIfSlow: true }),
  };
  await devices.watchPaired((deviceId, device) => dropStaleDeviceSessions(clients.values(), deviceId, device));
  const bus = new EventBus({
    nc,
    names,
    edgeId: config.edgeId,
    log,
    broadcaster,
    eventLog,
    stateVersionFor: (event, logSeq) => {
      if (event === "presence") presence.bumpVersion(logSeq);
      return event === "presence" || event === "health" ? stateVersion() : undefined;
    },
  });
  const replay = eventHandlers({
    eventLog,
    broadcaster,
    eventPrefix: names.event(""),
    payloadOf: (msg, event) => bus.payloadOf(msg, event),
    observer: metrics,
    stateVersionAt: (event, logSeq) => (event === "presence" ? { presence: logSeq, health: health.version } : event === "health" ? stateVersion() : undefined),
  });
  const localMethods = new Map(
    Object.entries({
      ...systemHandlers({ presence, health, announcePresence, broadcastHealth }),
      ...deviceHandlers({ devices, announce: admission.announce }),
      ...replay,
    }),
  );

  let requestCounter = 0;
  const edge: EdgeContext = {
    config,
    authSettings: live.authSettings,
    admission,
    log,
    names,
    rpc,
    registry,
    startedAt: Date.now(),
    localMethods,
    writes: new WriteBatch(),
    metrics,
    limits: new CallLimits(config.limits, metrics),
    addressConnections: new AddressConnections(config.limits.maxConnectionsPerIp, metrics),
    natsUp: () => natsUp && !nc.isClosed(),
    nextRequestId: () => `${config.edgeId}-${(requestCounter++).toString(36)}`,
    snapshot: () => ({ presence: presence.list(), health: health.cached ?? {}, stateVersion: stateVersion() }),
  };

  await retryTransient("event log", () => bus.start(), { log });

  const server = new EdgeServer(edge, clients, {
    readiness: () => ({ nats: natsUp && !nc.isClosed(), registry: registry.loaded && presence.loaded }),
    onOpen: (conn) => {
      broadcaster.opened(conn);
      if (conn.presence) void presence.connected(conn.presence.key, conn.connId, conn.presence.entry);
    },
    onClose: (conn) => {
      // The original broadcasts presence on disconnect, not on connect (spec §3.4, §6.3).
      if (conn.presence) void presence.disconnected(conn.presence.key, conn.connId).then(announcePresence);
    },
  });
  // Read again: a change published while the views loaded counts (no restart is wired up yet).
  const listenAt = listenAddress(live.current, config.listen);
  if (listenAt.warning) log.warn(listenAt.warning);
  let address = await server.listen(listenAt);
  // The bind as asked for (`localhost` stays `localhost`), the port as given (0 becomes a real one).
  let listenedOn = { port: address.port, bind: listenAt.bind };
  let advertising = discovery.start(address.port, log);
  // Restart-class changes: edges take turns through one KV lease, so a deployment behind a
  // load balancer never has all its listeners down at once.
  let lease: Promise<KvLease> | undefined;
  const restarter = new ListenerRestarter({
    server,
    broadcaster,
    log,
    lease: () =>
      (lease ??= openConfigBucket(nc, names).then(
        (kv) => new KvLease({ kv, key: CONFIG_KEYS.edgeRestart, owner: config.edgeId, ttlMs: 30_000, waitMs: 300_000 }),
      )),
    current: () => listenedOn,
    target: (current) => listenAddress(live.current, config.listen, current.port),
    onListening: async (next, requested) => {
      if (next.port !== address.port) {
        await advertising.stop();
        advertising = discovery.start(next.port, log);
      }
      address = next;
      listenedOn = { port: next.port, bind: requested.bind };
    },
    onListenLost: (err) => {
      log.fatal({ err }, "listener lost: cannot listen again after a config restart");
      options.onFatal?.(err);
    },
  });
  live.listenerMoved = (next) => {
    const target = listenAddress(next, config.listen, listenedOn.port);
    return target.port !== listenedOn.port || target.bind !== listenedOn.bind;
  };
  live.onRestart = (paths) => void restarter.request(paths);
  await health.refresh(false);
  const tick = setInterval(() => broadcaster.broadcast("tick", { ts: Date.now() }, { dropIfSlow: true }), config.tickIntervalMs);
  const healthTimer = setInterval(() => {
    void health.refresh(false).then(broadcastHealth);
  }, config.healthRefreshMs);

  return {
    get address() {
      return address;
    },
    server,
    broadcaster,
    authSettings: edge.authSettings,
    stop: async () => {
      live.stop();
      await restarter.stop();
      await advertising.stop(); // goodbye first, while the port still answers (subsystems §D.5)
      clearInterval(tick);
      clearInterval(healthTimer);
      // The port closes, so the load balancer's /readyz checks fail and it sends no one here.
      server.stopAccepting();
      broadcaster.broadcast("shutdown", { reason: "gateway stopping", restartExpectedMs: config.restartExpectedMs });
      // Calls in flight finish (and new ones on open sockets are served) until the deadline;
      // what is left then is answered UNAVAILABLE before the close, never dropped.
      await server.drainCalls(config.drainTimeoutMs);
      await server.closeAll(1012, "service restart");
      bus.stop();
      guard.stop();
      devices.stop();
      await presence.stop();
      registry.stop();
      rpc.close();
      await nc.drain();
    },
  };
}
