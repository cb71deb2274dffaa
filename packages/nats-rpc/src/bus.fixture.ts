// Shared harness for this package's tests (not part of the build): one real nats-server per
// test file, and every connection and cleanup made through it undone after the file.
import { randomBytes } from "node:crypto";
import { type NatsServer, startNatsServer } from "@clawdbot/natsd";
import { natsNames } from "@clawdbot/protocol";
import { type NatsConnection, connect } from "nats";
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";

export const silent = pino({ level: "silent" });

/** A fresh namespace per test, so tests sharing a server never see each other's subjects. */
export const uniqueNames = () => natsNames("t" + randomBytes(6).toString("hex"));

/** Polls until `predicate` holds; the deadline is generous and never a speed claim. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function useBus(): { newConnection: () => Promise<NatsConnection>; cleanups: (() => unknown)[] } {
  let server: NatsServer | undefined;
  const connections: NatsConnection[] = [];
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    for (const nc of connections) await nc.close().catch(() => undefined);
    await server?.stop();
  });
  return {
    cleanups,
    newConnection: async () => {
      const nc = await connect({ servers: server!.url, noAsyncTraces: true });
      connections.push(nc);
      return nc;
    },
  };
}
