import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEvent } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { JSONRPCClient, JSONRPCServer, JSONRPCServerAndClient } from "json-rpc-2.0";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { Stack } from "./stack.js";

let nats: NatsServer;
let nc: NatsConnection;
let stack: Stack;
let url: string;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  // No bundled plugins: plugins.list then answers exactly { plugins: [] }, the fixed answer these tests compare.
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_BUNDLED_PLUGINS_DIR: mkdtempSync(join(tmpdir(), "no-plugins-")) } });
  await stack.startServices();
  ({ url } = await stack.startEdge());
});

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await nats?.stop();
});

type Json = Record<string, any>;

/** A bare JSON-RPC peer on a raw socket, for the exact-frame checks. */
async function rawJsonRpc(options: { token?: boolean; subprotocol?: boolean } = {}): Promise<RawClient> {
  return RawClient.open(url, {
    ...(options.subprotocol === false ? {} : { protocols: "jsonrpc-2.0" }),
    ...(options.token === false ? {} : { headers: { authorization: `Bearer ${stack.token}` } }),
  });
}

describe("a third-party JSON-RPC 2.0 client (json-rpc-2.0 from npm, wired as its README shows)", () => {
  test("calls methods, sends a batch and a notification, and receives events as notifications", async () => {
    const socket = new WebSocket(url, "jsonrpc-2.0", { headers: { authorization: `Bearer ${stack.token}` } });
    const heartbeats: unknown[] = [];
    const peer = new JSONRPCServerAndClient(
      new JSONRPCServer(),
      new JSONRPCClient((request) => {
        try {
          socket.send(JSON.stringify(request));
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
    peer.addMethod("heartbeat", (params) => {
      heartbeats.push(params);
    });
    socket.onmessage = (event) => void peer.receiveAndSend(JSON.parse(event.data as string));
    socket.onclose = (event) => peer.rejectAllPendingRequests(`Connection is closed (${event.reason}).`);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });

    const sessions = (await peer.request("sessions.list", {})) as Json;
    expect(sessions).toMatchObject({ count: 0, sessions: [] });
    const config = (await peer.request("config.get", {})) as Json;
    expect(config).toMatchObject({ exists: false, valid: true });

    const batch = await peer.requestAdvanced([
      { jsonrpc: "2.0", id: 1, method: "sessions.list", params: {} },
      { jsonrpc: "2.0", id: 2, method: "plugins.list", params: {} },
      { jsonrpc: "2.0", id: 3, method: "no.such.method", params: {} },
    ]);
    expect(batch).toHaveLength(3);
    const byId = new Map(batch.map((r) => [r.id, r]));
    expect(byId.get(1)?.result).toMatchObject({ sessions: [] });
    expect(byId.get(2)?.result).toEqual({ plugins: [] });
    expect(byId.get(3)?.error).toMatchObject({ code: -32601, data: { code: "INVALID_REQUEST" } });

    peer.notify("plugins.list", {});
    publishEvent(nc, natsNames(stack.prefix), "heartbeat", { beat: 1 });
    await waitFor(() => heartbeats.length > 0, { message: "no event notification reached the library" });
    expect(heartbeats[0]).toMatchObject({ payload: { beat: 1 }, seq: expect.any(Number) });
    socket.close();
  });
});

describe("JSON-RPC 2.0 rules", () => {
  test("a notification gets no answer; an all-notification batch gets nothing; [] gets one -32600", async () => {
    const client = await rawJsonRpc();
    client.send({ jsonrpc: "2.0", method: "sessions.list", params: {} });
    client.send([{ jsonrpc: "2.0", method: "sessions.list" }, { jsonrpc: "2.0", method: "no.such" }]);
    client.send([]);
    client.send({ jsonrpc: "2.0", id: "after", method: "plugins.list" });
    await client.next((f) => f.id === "after");
    const answers = client.frames.filter((f) => !("method" in f));
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request: empty batch", data: { code: "INVALID_REQUEST" } } },
      { jsonrpc: "2.0", id: "after", result: { plugins: [] } },
    ]);
    client.close();
  });

  test("unknown method -32601; bad params -32602 with data.code; parse error -32700 with id null", async () => {
    const client = await rawJsonRpc();
    client.send({ jsonrpc: "2.0", id: 1, method: "no.such.method" });
    client.send({ jsonrpc: "2.0", id: 2, method: "sessions.list", params: { limit: 0 } });
    client.send({ jsonrpc: "2.0", id: 3, method: "sessions.list", params: [1, 2] });
    client.send("{not json");
    const unknown = await client.next((f) => f.id === 1);
    expect(unknown.error).toEqual({ code: -32601, message: "unknown method: no.such.method", data: { code: "INVALID_REQUEST" } });
    const bad = await client.next((f) => f.id === 2);
    expect(bad.error).toMatchObject({ code: -32602, data: { code: "INVALID_REQUEST" } });
    expect((bad.error as Json).message).toMatch(/^invalid sessions\.list params: at \/limit/);
    expect((await client.next((f) => f.id === 3)).error).toMatchObject({ code: -32602 });
    expect(await client.next((f) => (f.error as Json | undefined)?.code === -32700)).toMatchObject({ id: null });
    client.close();
  });

  test("a batch of 3 gets 3 answers; a batch of 10,000 is refused clearly and the connection survives", async () => {
    const client = await rawJsonRpc();
    client.send([1, 2, 3].map((id) => ({ jsonrpc: "2.0", id, method: "plugins.list" })));
    const answer = await client.next((f) => Array.isArray(f));
    expect((answer as unknown as Json[]).map((r) => r.id).sort()).toEqual([1, 2, 3]);

    const huge = Array.from({ length: 10_000 }, (_, id) => ({ jsonrpc: "2.0", id, method: "x" }));
    client.send(huge);
    const refused = await client.next((f) => (f.error as Json | undefined)?.data?.code === "PAYLOAD_TOO_LARGE");
    expect(refused).toMatchObject({ id: null, error: { code: -32006, message: "batch of 10000 requests exceeds the limit of 100" } });
    client.send({ jsonrpc: "2.0", id: "alive", method: "plugins.list" });
    expect((await client.next((f) => f.id === "alive")).result).toEqual({ plugins: [] });
    client.close();
  });

  test("without a token at upgrade: calls answer -32001 NOT_CONNECTED until connect, which returns hello-ok", async () => {
    const client = await rawJsonRpc({ token: false });
    client.send({ jsonrpc: "2.0", id: 1, method: "sessions.list" });
    expect((await client.next((f) => f.id === 1)).error).toMatchObject({ code: -32001, data: { code: "NOT_CONNECTED" } });
    const params = { minProtocol: 3, maxProtocol: 3, client: { id: "test", version: "1", platform: "linux", mode: "test" }, auth: { token: stack.token } };
    client.send({ jsonrpc: "2.0", id: 2, method: "connect", params });
    expect((await client.next((f) => f.id === 2)).result).toMatchObject({ type: "hello-ok", protocol: 3 });
    client.send({ jsonrpc: "2.0", id: 3, method: "sessions.list" });
    expect((await client.next((f) => f.id === 3)).result).toMatchObject({ sessions: [] });
    expect(client.frames.some((f) => f.event === "connect.challenge")).toBe(false);
    client.close();
  });

  test("a wrong connect token: -32002 with the original's text, then close 1008", async () => {
    const client = await rawJsonRpc({ token: false });
    const params = { minProtocol: 3, maxProtocol: 3, client: { id: "test", version: "1", platform: "linux", mode: "test" }, auth: { token: "nope" } };
    client.send({ jsonrpc: "2.0", id: 1, method: "connect", params });
    expect((await client.next((f) => f.id === 1)).error).toMatchObject({ code: -32002, message: "unauthorized: gateway token mismatch (provide gateway auth token)", data: { code: "INVALID_REQUEST" } });
    expect((await client.closed).code).toBe(1008);
  });

  test("without the subprotocol, a first frame carrying jsonrpc switches the connection for good", async () => {
    const client = await rawJsonRpc({ subprotocol: false });
    await client.next((f) => f.event === "connect.challenge"); // native until the client says otherwise
    client.send({ jsonrpc: "2.0", id: "p", method: "plugins.list" });
    expect(await client.next((f) => f.id === "p")).toEqual({ jsonrpc: "2.0", id: "p", result: { plugins: [] } });
    client.close();
  });

  test("a wrong token at upgrade is refused with 401", async () => {
    await expect(RawClient.open(url, { protocols: "jsonrpc-2.0", headers: { authorization: "Bearer wrong" } })).rejects.toThrow(/401/);
    await expect(RawClient.open(`${url}/?token=wrong`, { protocols: "jsonrpc-2.0" })).rejects.toThrow(/401/);
    const viaQuery = await RawClient.open(`${url}/?token=${stack.token}`, { protocols: "jsonrpc-2.0" });
    viaQuery.send({ jsonrpc: "2.0", id: 1, method: "plugins.list" });
    expect((await viaQuery.next((f) => f.id === 1)).result).toEqual({ plugins: [] });
    viaQuery.close();
  });
});

test("the same calls through the native protocol and through JSON-RPC give the same results", async () => {
  const calls: [string, Json][] = [
    ["sessions.list", {}],
    ["sessions.list", { limit: 0 }],
    ["config.get", {}],
    ["plugins.list", {}],
    ["status", {}],
    // A stop word answers the same every time (a real send would be in_flight the second time).
    ["chat.send", { sessionKey: "main", message: "stop", idempotencyKey: "k" }],
    ["no.such.method", {}],
  ];
  const withoutTs = (value: unknown) => JSON.parse(JSON.stringify(value ?? null, (key, v: unknown) => (key === "ts" ? undefined : v)));
  const native = (await RawClient.connect(url, { token: stack.token })).client;
  const jsonrpc = await rawJsonRpc();
  for (const [index, [method, params]] of calls.entries()) {
    const viaNative = await native.request(method, params);
    jsonrpc.send({ jsonrpc: "2.0", id: index, method, params });
    const viaJsonRpc = await jsonrpc.next((f) => f.id === index);
    if (viaNative.ok) {
      expect(withoutTs(viaJsonRpc.result), method).toEqual(withoutTs(viaNative.payload));
    } else {
      const error = viaNative.error as Json;
      expect(viaJsonRpc.error, method).toMatchObject({ message: error.message, data: { code: error.code } });
    }
  }
  native.close();
  jsonrpc.close();
});

test("a method that answers twice (agent): native gets two res with one id, JSON-RPC gets agent.accepted then the result", async () => {
  // The session-manager's `agent`: it acknowledges at once and answers finally when the run ends (spec §7.8).
  const native = (await RawClient.connect(url, { token: stack.token })).client;
  native.send({ type: "req", id: "a1", method: "agent", params: { message: "hi", sessionKey: "jsonrpc-agent", idempotencyKey: "run-1" } });
  await native.next((f) => f.id === "a1" && (f.payload as Json).status === "ok");
  expect(native.frames.filter((f) => f.id === "a1").map((f) => (f.payload as Json).status)).toEqual(["accepted", "ok"]);
  native.close();

  const jsonrpc = await rawJsonRpc();
  jsonrpc.send({ jsonrpc: "2.0", id: 7, method: "agent", params: { message: "hi", sessionKey: "jsonrpc-agent", idempotencyKey: "run-2" } });
  const final = await jsonrpc.next((f) => f.id === 7);
  expect(final.result).toMatchObject({ runId: "run-2", status: "ok" });
  const ack = jsonrpc.frames.find((f) => f.method === "agent.accepted");
  expect(ack).toEqual({ jsonrpc: "2.0", method: "agent.accepted", params: { id: 7, runId: "run-2" } });
  expect(jsonrpc.frames.indexOf(ack!)).toBeLessThan(jsonrpc.frames.indexOf(final));
  jsonrpc.close();
});
