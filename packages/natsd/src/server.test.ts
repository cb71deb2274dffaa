import { connect, Events } from "nats";
import { describe, expect, test } from "vitest";
import { findNatsServerBinary, NatsServerNotFoundError } from "./binary.js";
import { startNatsCluster } from "./cluster.js";
import { startNatsServer } from "./server.js";

describe("natsd", () => {
  test("starts a JetStream server on a free port and restarts it on the same port", async () => {
    await using server = await startNatsServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.port).not.toBe(4222);
    const nc = await connect({ servers: server.url, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    const kv = await nc.jetstream().views.kv("natsd_test");
    await kv.put("k", "v1");
    const port = server.port;
    const reconnected = (async () => {
      for await (const status of nc.status()) if (status.type === Events.Reconnect) return;
    })();
    await server.restart();
    expect(server.port).toBe(port);
    await reconnected;
    // The store survives the restart: JetStream state is on disk, not in the process.
    expect((await kv.get("k"))?.string()).toBe("v1");
    await nc.close();
  });

  test("stop removes the process", async () => {
    const server = await startNatsServer({ jetstream: false });
    const pid = server.pid!;
    await server.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });

  test("a missing binary gives the install hint", () => {
    expect(() => findNatsServerBinary({ NATS_SERVER_BIN: "/nonexistent/nats-server" })).toThrow(NatsServerNotFoundError);
    expect(() => findNatsServerBinary({ PATH: "/nonexistent" })).not.toThrow(); // falls back to /usr/sbin
  });

  test("a 3-node cluster forms with a meta leader and replicates KV", async () => {
    await using cluster = await startNatsCluster({ size: 3 });
    const nc = await connect({ servers: cluster.urls });
    const kv = await nc.jetstream().views.kv("natsd_cluster", { replicas: 3 });
    await kv.put("k", "v");
    expect((await kv.status()).replicas).toBe(3);
    await nc.close();
  }, 60_000);
});
