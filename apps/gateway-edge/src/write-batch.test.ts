import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { WriteBatch } from "./write-batch.js";

// Real sockets on loopback: what the batch holds reaches the client intact, in order, and at
// once after the loop turn; a close right after a write still delivers what was held.

const servers: WebSocketServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server socket and a client connected to it, with every frame the client receives recorded. */
async function pair(): Promise<{ server: WebSocket; client: WebSocket; received: string[]; rawChunks: () => number }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const serverSide = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on("message", (data: Buffer) => received.push(data.toString("utf8")));
  await new Promise<void>((resolve) => client.once("open", () => resolve()));
  let chunks = 0;
  (client as unknown as { _socket: NodeJS.EventEmitter })._socket.prependListener("data", () => chunks++);
  return { server: await serverSide, client, received, rawChunks: () => chunks };
}

const until = async (predicate: () => boolean) => {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(predicate()).toBe(true);
};

describe("WriteBatch - one write per socket per loop turn", () => {
  test("frames sent in one turn arrive in order, in one TCP chunk", async () => {
    const { server, client, received, rawChunks } = await pair();
    const batch = new WriteBatch();
    for (let i = 0; i < 50; i++) {
      batch.hold(server);
      server.send(`frame-${i}`);
    }
    // Held, not yet written: the socket's queue has them, which slow-consumer checks read.
    expect(server.bufferedAmount).toBeGreaterThan(0);
    await until(() => received.length === 50);
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `frame-${i}`));
    expect(rawChunks()).toBe(1);
    client.close();
  });

  test("a close right after held frames still delivers them before the close", async () => {
    const { server, client, received } = await pair();
    const batch = new WriteBatch();
    batch.hold(server);
    server.send("last words");
    server.close(1012, "restart");
    const closed = await new Promise<number>((resolve) => client.once("close", (code) => resolve(code)));
    expect(closed).toBe(1012);
    expect(received).toEqual(["last words"]);
  });

  test("flush() writes at once, and a later turn corks again", async () => {
    const { server, client, received } = await pair();
    const batch = new WriteBatch();
    batch.hold(server);
    server.send("a");
    batch.flush();
    await until(() => received.length === 1);
    batch.hold(server);
    server.send("b");
    await until(() => received.length === 2);
    expect(received).toEqual(["a", "b"]);
    client.close();
  });
});
