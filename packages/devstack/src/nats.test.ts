import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer } from "@clawdbot/natsd";
import { describe, expect, test } from "vitest";
import { ensureNats, firstServer } from "./nats.js";

describe("ensureNats", () => {
  test("reads host and port from the first server of a NATS URL", () => {
    expect(firstServer("nats://127.0.0.1:4333")).toEqual({ host: "127.0.0.1", port: 4333 });
    expect(firstServer("nats://localhost")).toEqual({ host: "localhost", port: 4222 });
    expect(firstServer("127.0.0.1:5000,nats://other:6000")).toEqual({ host: "127.0.0.1", port: 5000 });
    expect(firstServer("nats://[::1]:4333")).toEqual({ host: "::1", port: 4333 });
  });

  test("uses a nats-server that already answers and starts none", async () => {
    await using plain = await startNatsServer({ jetstream: false });
    const nats = await ensureNats(plain.url, mkdtempSync(join(tmpdir(), "devstack-nats-")));
    expect(nats).toMatchObject({ server: undefined, jetstream: false });
    await using withJs = await startNatsServer();
    expect(await ensureNats(withJs.url, tmpdir())).toMatchObject({ server: undefined, jetstream: true });
  });

  test("starts one with JetStream under <stateDir>/nats when nothing answers", async () => {
    const probe = await startNatsServer({ jetstream: false });
    const url = probe.url;
    await probe.stop(); // a port known to be free a moment ago
    const stateDir = mkdtempSync(join(tmpdir(), "devstack-nats-"));
    const nats = await ensureNats(url, stateDir);
    try {
      expect(nats.server?.port).toBe(Number(new URL(url).port));
      expect(nats.server?.storeDir).toBe(join(stateDir, "nats"));
    } finally {
      await nats.server?.stop();
    }
  });

  test("refuses a port held by something that is not nats-server", async () => {
    const other = createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const { port } = other.address() as { port: number };
    try {
      await expect(ensureNats(`nats://127.0.0.1:${port}`, tmpdir())).rejects.toThrow(/something other than nats-server/);
    } finally {
      other.close();
    }
  });
});
