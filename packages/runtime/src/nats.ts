import { connect, type ConnectionOptions, DebugEvents, Events, type NatsConnection } from "nats";
import type { Logger } from "pino";

export interface NatsConnectConfig {
  url: string;
  name: string;
  log: Logger;
  /** How long to keep trying the first connect before giving up. */
  connectTimeoutMs?: number;
  options?: Partial<ConnectionOptions>;
}

/**
 * Connects with settings for a long-lived service: reconnect forever, no async stack traces (they
 * cost half the CPU of a request, ARCHITECTURE §7), and every status change logged.
 */
export async function connectNats(config: NatsConnectConfig): Promise<NatsConnection> {
  const nc = await connect({
    servers: config.url.split(","),
    name: config.name,
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 10_000,
    timeout: config.connectTimeoutMs ?? 5_000,
    ...config.options,
  });
  void logStatus(nc, config.log);
  return nc;
}

async function logStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === DebugEvents.PingTimer) continue;
    const level = status.type === Events.Disconnect || status.type === Events.Error ? "warn" : "info";
    const data = typeof status.data === "object" ? JSON.stringify(status.data) : String(status.data);
    log[level]({ nats: { type: status.type, data } }, `nats ${status.type}`);
  }
}
