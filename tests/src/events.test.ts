import { publishEvent, sendToConnection } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { type Frame, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

let nats: NatsServer;
let nc: NatsConnection;
let stack: Stack;
let edgeA: string;
let edgeB: string;
const names = () => natsNames(stack.prefix);

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_PRESENCE_BEAT_MS: "500", CLAWDBOT_TICK_INTERVAL_MS: "400" } });
  await stack.start("session-manager");
  edgeA = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-a" })).url;
  edgeB = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-b" })).url;
});

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await nats?.stop();
});

const events = (client: RawClient, name: string): Frame[] => client.frames.filter((f) => f.type === "event" && f.event === name);

describe("fan-out", () => {
  test("one event on NATS reaches clients of two edges, valid frames, seq increasing per connection", async () => {
    const a = (await RawClient.connect(edgeA, { token: stack.token })).client;
    const b = (await RawClient.connect(edgeB, { token: stack.token })).client;
    for (let i = 0; i < 5; i++) publishEvent(nc, names(), "heartbeat", { n: i });
    await nc.flush();
    for (const client of [a, b]) {
      await client.next((f) => f.event === "heartbeat" && (f.payload as { n: number }).n === 4);
      const received = events(client, "heartbeat");
      expect(received.map((f) => (f.payload as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
      const seqs = client.frames.filter((f) => f.type === "event" && f.seq !== undefined).map((f) => f.seq as number);
      expect(seqs.length).toBeGreaterThan(0);
      // Never backwards; the edge's own events (tick) repeat the log position they were sent at.
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThanOrEqual(seqs[i - 1]!);
      const heartbeatSeqs = received.map((f) => f.seq as number);
      for (let i = 1; i < heartbeatSeqs.length; i++) expect(heartbeatSeqs[i]).toBeGreaterThan(heartbeatSeqs[i - 1]!);
      for (const frame of client.frames) assertOriginalFrame(frame);
    }
    a.close();
    b.close();
  });

  test("tick arrives every tickIntervalMs with a seq", async () => {
    const { client } = await RawClient.connect(edgeA, { token: stack.token });
    const tick = await client.next((f) => f.event === "tick", 5_000);
    expect(tick).toMatchObject({ type: "event", payload: { ts: expect.any(Number) }, seq: expect.any(Number) });
    assertOriginalFrame(tick);
    client.close();
  });

  test("events guarded by operator.pairing never reach a client without that scope", async () => {
    const reader = (await RawClient.connect(edgeA, { token: stack.token, scopes: ["operator.read"] })).client;
    const pairer = (await RawClient.connect(edgeA, { token: stack.token, scopes: ["operator.pairing"] })).client;
    const admin = (await RawClient.connect(edgeB, { token: stack.token })).client;
    const node = (await RawClient.connect(edgeB, { token: stack.token, role: "node", scopes: ["operator.admin"], client: { mode: "node", id: "node-host" } })).client;
    publishEvent(nc, names(), "device.pair.requested", { requestId: "r1", deviceId: "d1", publicKey: "k", ts: 1 });
    publishEvent(nc, names(), "exec.approval.requested", { id: "x1", request: {}, createdAtMs: 1, expiresAtMs: 2 });
    publishEvent(nc, names(), "heartbeat", { marker: "after" });
    for (const client of [reader, pairer, admin, node]) await client.next((f) => f.event === "heartbeat" && (f.payload as { marker?: string }).marker === "after");
    expect(events(reader, "device.pair.requested")).toHaveLength(0);
    expect(events(pairer, "device.pair.requested")).toHaveLength(1);
    expect(events(admin, "device.pair.requested")).toHaveLength(1);
    expect(events(node, "device.pair.requested")).toHaveLength(0); // nodes never get guarded events
    expect(events(pairer, "exec.approval.requested")).toHaveLength(0);
    expect(events(admin, "exec.approval.requested")).toHaveLength(1);
    for (const c of [reader, pairer, admin, node]) c.close();
  });

  test("a targeted event reaches only its connection, without seq", async () => {
    const one = await RawClient.connect(edgeB, { token: stack.token });
    const other = (await RawClient.connect(edgeB, { token: stack.token })).client;
    const connId = (one.hello.payload as { server: { connId: string } }).server.connId;
    sendToConnection(nc, names(), { edgeId: "edge-b", connId }, "node.invoke.request", { id: "i1", nodeId: "n", command: "x" });
    publishEvent(nc, names(), "heartbeat", { marker: "targeted-done" });
    const targeted = await one.client.next((f) => f.event === "node.invoke.request");
    expect(targeted).not.toHaveProperty("seq");
    assertOriginalFrame(targeted);
    await other.next((f) => (f.payload as { marker?: string } | undefined)?.marker === "targeted-done");
    expect(events(other, "node.invoke.request")).toHaveLength(0);
    one.client.close();
    other.close();
  });
});

describe("slow consumers", () => {
  // 64 KiB payloads: a few hundred fill the kernel's socket buffers and the 1.5 MiB limit.
  const big = "x".repeat(64 * 1024);
  const burst = 640; // a whole number of batches

  async function pausedAndSteady(): Promise<{ paused: RawClient; steady: RawClient }> {
    const paused = (await RawClient.connect(edgeA, { token: stack.token })).client;
    const steady = (await RawClient.connect(edgeA, { token: stack.token })).client;
    // A real stalled reader: the client's TCP socket stops reading, so the edge's writes back up.
    (paused.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    return { paused, steady };
  }

  /**
   * Publishes in batches paced by a client that reads: the steady client always keeps up, while
   * the paused one falls further behind with every batch.
   */
  async function publishPaced(steady: RawClient, event: string, payload: (i: number) => Record<string, unknown>, dropIfSlow = false): Promise<void> {
    const batch = 16;
    for (let start = 0; start < burst; start += batch) {
      for (let i = start; i < start + batch; i++) publishEvent(nc, names(), event, payload(i), { dropIfSlow });
      const last = start + batch - 1;
      await steady.next((f) => f.event === event && (f.payload as { i: number }).i === last, 30_000);
    }
  }

  function resume(client: RawClient): void {
    (client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  test("a client that stops reading is closed 1008 slow consumer; the others keep receiving", async () => {
    const { paused, steady } = await pausedAndSteady();
    await publishPaced(steady, "agent", (i) => ({ runId: "r", i, stream: "assistant", ts: i, data: { text: big } }));
    expect(events(steady, "agent")).toHaveLength(burst);
    resume(paused);
    expect(await paused.closed).toEqual({ code: 1008, reason: "slow consumer" });
    expect(events(paused, "agent").length).toBeLessThan(burst);
    steady.close();
  });

  test("with dropIfSlow the slow client misses events instead, and stays connected", async () => {
    const { paused, steady } = await pausedAndSteady();
    await publishPaced(steady, "cron", (i) => ({ action: "tick", jobId: "j", i, big }), true);
    expect(events(steady, "cron")).toHaveLength(burst);
    resume(paused);
    // The response queues behind the backlog, so once it arrives the client has caught up and a
    // non-droppable event no longer finds it slow.
    expect((await paused.request("status", {}, 30_000)).ok).toBe(true);
    publishEvent(nc, names(), "heartbeat", { marker: "still-here" });
    await paused.next((f) => (f.payload as { marker?: string } | undefined)?.marker === "still-here", 30_000);
    const got = events(paused, "cron").length;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(burst);
    expect(paused.ws.readyState).toBe(paused.ws.OPEN);
    paused.close();
    steady.close();
  });
});

describe("presence across edges", () => {
  test("a client of edge A is listed by system-presence on edge B; its disconnect sends presence to B's clients", async () => {
    const watcher = (await RawClient.connect(edgeB, { token: stack.token })).client;
    const visitor = (await RawClient.connect(edgeA, { token: stack.token, client: { id: "clawdbot-macos", mode: "ui", instanceId: "mac-1", displayName: "Mac" } })).client;
    const listed = await waitFor(async () => {
      const res = await watcher.request("system-presence", {});
      const list = res.payload as { instanceId?: string; reason?: string; mode?: string }[];
      return list.some((e) => e.instanceId === "mac-1" && e.reason === "connect") ? list : undefined;
    }, { message: "edge B never listed edge A's client" });
    expect(listed.filter((e) => e.mode === "gateway" && e.reason === "self")).toHaveLength(2);

    visitor.close();
    const event = await watcher.next((f) => f.event === "presence" && (f.payload as { presence: { instanceId?: string; reason?: string }[] }).presence.some((e) => e.instanceId === "mac-1" && e.reason === "disconnect"));
    expect(event.stateVersion).toEqual({ presence: expect.any(Number), health: expect.any(Number) });
    assertOriginalFrame(event);
    watcher.close();
  });

  test("system-event upserts presence and broadcasts it to every edge", async () => {
    const a = (await RawClient.connect(edgeA, { token: stack.token })).client;
    const b = (await RawClient.connect(edgeB, { token: stack.token })).client;
    expect((await a.request("system-event", { text: "Node: kitchen (10.0.0.9)", host: "kitchen", ip: "10.0.0.9", mode: "node", lastInputSeconds: 4 })).payload).toEqual({ ok: true });
    const event = await b.next((f) => f.event === "presence" && (f.payload as { presence: { host?: string }[] }).presence.some((e) => e.host === "kitchen"));
    assertOriginalFrame(event);
    expect((await a.request("system-event", { text: "  " })).error).toMatchObject({ code: "INVALID_REQUEST" });
    a.close();
    b.close();
  });
});

describe("health and status", () => {
  test("health is answered from the edge's cache, with the live services; probe refreshes and broadcasts", async () => {
    const { client, hello } = await RawClient.connect(edgeA, { token: stack.token });
    const snapshot = (hello.payload as { snapshot: { health: Record<string, unknown>; presence: unknown[] } }).snapshot;
    expect(snapshot.health).toMatchObject({ ok: true });
    expect(snapshot.presence.length).toBeGreaterThan(0);

    const health = await client.request("health", {});
    expect(health.payload).toMatchObject({ ok: true, defaultAgentId: "main", sessions: { count: 0 }, services: { "session-manager": { replicas: [expect.any(Object)] } } });
    expect((health.payload as { edges: { edgeId: string }[] }).edges.map((e) => e.edgeId).sort()).toEqual(["edge-a", "edge-b"]);
    const probed = await client.request("health", { probe: true });
    expect(probed.ok).toBe(true);
    const event = await client.next((f) => f.event === "health");
    expect(event.stateVersion).toMatchObject({ health: expect.any(Number) });
    assertOriginalFrame(event);

    const status = await client.request("status", {});
    expect(status.payload).toMatchObject({ channelSummary: [], sessions: { count: 0 }, heartbeat: { defaultAgentId: "main" } });
    expect(hello.payload).toMatchObject({ features: { methods: expect.arrayContaining(["health", "status", "system-presence", "system-event"]) } });
    client.close();
  });
});
