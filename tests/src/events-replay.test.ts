import { publishEvent } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { type Frame, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { importBuiltNodeClient } from "./protocol-build.js";
import { Stack } from "./stack.js";

// Cross-edge numbering and recovery (issue #12 items 2 and 3): every broadcast event has one `seq`,
// its position in the shared event log, whichever edge delivers it; a client that comes back on
// another edge asks for what it missed and gets it in order, or is told plainly it is gone.

const RETENTION_MAX = 300;
let nats: NatsServer;
let nc: NatsConnection;
let stack: Stack;
let edgeA: string;
let edgeB: string;
const names = () => natsNames(stack.prefix);

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  stack = new Stack({
    natsUrl: nats.url,
    env: { CLAWDBOT_PRESENCE_BEAT_MS: "500", CLAWDBOT_TICK_INTERVAL_MS: "300", CLAWDBOT_EVENT_RETENTION_MAX: String(RETENTION_MAX) },
  });
  edgeA = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-a" })).url;
  edgeB = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-b" })).url;
});

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await nats?.stop();
});

const heartbeats = (client: RawClient, run: string): Frame[] =>
  client.frames.filter((f) => f.type === "event" && f.event === "heartbeat" && (f.payload as { run?: string }).run === run);

async function publish(run: string, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++) publishEvent(nc, names(), "heartbeat", { run, n });
  await nc.flush();
}

/** Publishes until the log holds the event and every client has it: returns its seq. */
async function lastSeqSeenBy(run: string, n: number, ...clients: RawClient[]): Promise<number> {
  let seq = -1;
  for (const client of clients) {
    const frame = await client.next((f) => f.event === "heartbeat" && (f.payload as { run?: string; n?: number }).run === run && (f.payload as { n: number }).n === n);
    seq = frame.seq as number;
  }
  return seq;
}

describe("seq across edges", () => {
  test("the same event carries the same seq on every edge; the edge's own ticks repeat the last seq", async () => {
    const a = (await RawClient.connect(edgeA, { token: stack.token })).client;
    const b = (await RawClient.connect(edgeB, { token: stack.token })).client;
    await publish("same", 0, 20);
    await lastSeqSeenBy("same", 19, a, b);
    const seqsA = heartbeats(a, "same").map((f) => f.seq);
    const seqsB = heartbeats(b, "same").map((f) => f.seq);
    expect(seqsA).toHaveLength(20);
    expect(seqsB).toEqual(seqsA);
    for (let i = 1; i < seqsA.length; i++) expect(seqsA[i]).toBeGreaterThan(seqsA[i - 1] as number);
    await a.next((f) => f.event === "tick" && (f.seq as number) >= (seqsA[19] as number));
    const numbered = a.frames.filter((f) => f.type === "event" && typeof f.seq === "number").map((f) => f.seq as number);
    for (let i = 1; i < numbered.length; i++) expect(numbered[i]).toBeGreaterThanOrEqual(numbered[i - 1]!);
    for (const frame of [...a.frames, ...b.frames]) assertOriginalFrame(frame);
    a.close();
    b.close();
  });

  test("a presence change gets the same seq and stateVersion.presence on both edges", async () => {
    const a = (await RawClient.connect(edgeA, { token: stack.token })).client;
    const b = (await RawClient.connect(edgeB, { token: stack.token })).client;
    expect((await a.request("system-event", { text: "Node: pantry", host: "pantry", mode: "node" })).payload).toEqual({ ok: true });
    const isPantry = (f: Frame) => f.event === "presence" && (f.payload as { presence: { host?: string }[] }).presence.some((e) => e.host === "pantry");
    const onA = await a.next(isPantry);
    const onB = await b.next(isPantry);
    expect(onB.seq).toBe(onA.seq);
    expect((onB.stateVersion as { presence: number }).presence).toBe((onA.stateVersion as { presence: number }).presence);
    expect((onA.stateVersion as { presence: number }).presence).toBeGreaterThanOrEqual(onA.seq as number);
    assertOriginalFrame(onA);
    a.close();
    b.close();
  });
});

describe("events.replay", () => {
  test("a client that left edge A gets what it missed on edge B: in order, with the original seqs, before the answer; live events exactly once", async () => {
    const a = (await RawClient.connect(edgeA, { token: stack.token, scopes: ["operator.read"] })).client;
    await publish("gap", 0, 3);
    const lastSeen = await lastSeqSeenBy("gap", 2, a);
    a.close();
    await a.closed;

    // While it is away: heartbeats it may see, and a pairing event a read-only client may not.
    await publish("gap", 3, 5);
    publishEvent(nc, names(), "device.pair.requested", { requestId: "r1", deviceId: "d1", publicKey: "k", ts: 1 });
    await publish("gap", 8, 2);

    const b = (await RawClient.connect(edgeB, { token: stack.token, scopes: ["operator.read"] })).client;
    const reply = b.request("events.replay", { sinceSeq: lastSeen });
    await publish("gap", 10, 3); // live events racing the replay
    const answer = await reply;
    // 7 missed heartbeats; the racing live ones are replayed too when the log had them first.
    expect(answer).toMatchObject({ ok: true, payload: { fromSeq: lastSeen + 1 } });
    expect((answer.payload as { replayed: number }).replayed).toBeGreaterThanOrEqual(7);
    await lastSeqSeenBy("gap", 12, b);

    // Every missed and live event exactly once. The missed ones in order; the racing live ones in
    // order too, and after the replay unless they reached the edge before the replay call did
    // (the typed client sorts that round trip's events by seq).
    const got = heartbeats(b, "gap");
    const n = (f: Frame) => (f.payload as { n: number }).n;
    expect(got.map(n).sort((x, y) => x - y)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const missed = got.filter((f) => n(f) <= 9);
    const live = got.filter((f) => n(f) >= 10);
    for (const run of [missed, live]) for (let i = 1; i < run.length; i++) expect(run[i]!.seq as number).toBeGreaterThan(run[i - 1]!.seq as number);
    expect(missed.map(n)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(missed[0]!.seq as number).toBeGreaterThan(lastSeen);
    expect(new Set(got.map((f) => f.seq)).size).toBe(got.length);
    // `replayed` counts exactly the numbered frames the client got for the range, before the answer.
    const { toSeq, replayed } = answer.payload as { toSeq: number; replayed: number };
    const inRange = b.frames.filter((f) => f.type === "event" && f.event !== "tick" && (f.seq as number) > lastSeen && (f.seq as number) <= toSeq);
    expect(inRange).toHaveLength(replayed);
    // The replayed events come before the answer; nothing of the pairing event leaks.
    const answerAt = b.frames.indexOf(answer);
    const replayedIdx = got.filter((f) => (f.payload as { n: number }).n <= 9).map((f) => b.frames.indexOf(f));
    for (const idx of replayedIdx) expect(idx).toBeLessThan(answerAt);
    expect(b.frames.some((f) => f.event === "device.pair.requested")).toBe(false);
    for (const frame of b.frames) assertOriginalFrame(frame);
    const metrics = await (await fetch(`${edgeB.replace("ws://", "http://")}/metrics`)).text();
    expect(Number(/^clawdbot_edge_events_replayed_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(replayed);
    b.close();
  });

  test("a replay asked for later sends only what came before the connection opened: nothing twice", async () => {
    const watcher = (await RawClient.connect(edgeA, { token: stack.token })).client;
    await publish("dup", 0, 3);
    const first = await lastSeqSeenBy("dup", 0, watcher);
    await lastSeqSeenBy("dup", 2, watcher);
    const late = (await RawClient.connect(edgeB, { token: stack.token })).client;
    await publish("dup", 3, 3);
    await lastSeqSeenBy("dup", 5, late);
    const answer = await late.request("events.replay", { sinceSeq: first });
    expect(answer).toMatchObject({ ok: true });
    expect(heartbeats(late, "dup").map((f) => (f.payload as { n: number }).n)).toEqual([3, 4, 5, 1, 2]);
    watcher.close();
    late.close();
  });

  test("nothing missed: an empty replay", async () => {
    const { client } = await RawClient.connect(edgeA, { token: stack.token });
    await publish("none", 0, 1);
    const seq = await lastSeqSeenBy("none", 0, client);
    const answer = await client.request("events.replay", { sinceSeq: seq });
    expect(answer).toMatchObject({ ok: true, payload: { fromSeq: seq + 1, replayed: 0 } });
    client.close();
  });

  test("older than the log keeps: EVENTS_GONE with the oldest seq it still has; a seq from the future too", async () => {
    const watcher = (await RawClient.connect(edgeA, { token: stack.token })).client;
    await publish("old", 0, 1);
    const first = await lastSeqSeenBy("old", 0, watcher);
    await publish("old", 1, RETENTION_MAX + 20);
    await lastSeqSeenBy("old", RETENTION_MAX + 20, watcher);
    watcher.close();
    const { client } = await RawClient.connect(edgeA, { token: stack.token });
    const answer = await client.request("events.replay", { sinceSeq: first });
    expect(answer).toMatchObject({ ok: false, error: { code: "EVENTS_GONE", details: { sinceSeq: first, oldestSeq: expect.any(Number) } } });
    const details = (answer.error as { details: { oldestSeq: number } }).details;
    expect(details.oldestSeq).toBeGreaterThan(first + 1);
    expect((answer.error as { message: string }).message).toMatch(/no longer kept/);

    const ahead = await client.request("events.replay", { sinceSeq: 10_000_000 });
    expect(ahead).toMatchObject({ ok: false, error: { code: "EVENTS_GONE" } });
    assertOriginalFrame(answer);
    client.close();
  });

  test("bad params answer INVALID_REQUEST; the connection stays usable", async () => {
    const { client } = await RawClient.connect(edgeB, { token: stack.token });
    const answer = await client.request("events.replay", { sinceSeq: -1 });
    expect(answer).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    expect(await client.request("events.replay", { sinceSeq: 0, limit: 5 })).toMatchObject({ ok: false, error: { code: "EVENTS_GONE" } });
    client.close();
  });

  test("JSON-RPC clients replay too: notifications with their seq, then the result", async () => {
    const watcher = (await RawClient.connect(edgeB, { token: stack.token })).client;
    await publish("rpc", 0, 4);
    const seqs = [await lastSeqSeenBy("rpc", 0, watcher), await lastSeqSeenBy("rpc", 1, watcher), await lastSeqSeenBy("rpc", 2, watcher), await lastSeqSeenBy("rpc", 3, watcher)];
    watcher.close();
    const client = await RawClient.open(edgeA, { protocols: "jsonrpc-2.0", headers: { authorization: `Bearer ${stack.token}` } });
    client.send({ jsonrpc: "2.0", id: 1, method: "status" });
    await client.next((f) => f.id === 1);
    const before = client.frames.length;
    client.send({ jsonrpc: "2.0", id: 2, method: "events.replay", params: { sinceSeq: seqs[1] } });
    const result = await client.next((f) => f.id === 2);
    expect(result).toMatchObject({ result: { fromSeq: seqs[1]! + 1 } });
    const replayed = client.frames.slice(before).filter((f) => f.method === "heartbeat" && (f.params as { payload: { run: string } }).payload.run === "rpc");
    expect(replayed.map((f) => (f.params as { seq: number }).seq)).toEqual([seqs[2], seqs[3]]);
    await waitFor(() => client.frames.indexOf(result) > client.frames.indexOf(replayed[1]!));
    client.close();
  });
});

describe("the typed client with replayEvents", () => {
  test("its edge dies, events go on, a new edge takes the port: the handlers get every missed event in seq order, and no gap", async () => {
    const { edge, url } = await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-c" });
    const { createGatewayClient } = await importBuiltNodeClient();
    const gaps: unknown[] = [];
    const got: { n: number; seq: number }[] = [];
    const client = createGatewayClient({
      url,
      token: stack.token,
      replayEvents: true,
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      onGap: (gap) => gaps.push(gap),
    });
    client.on("heartbeat", (payload, event) => {
      const p = payload as { run?: string; n: number };
      if (p.run === "typed") got.push({ n: p.n, seq: event.seq! });
    });
    try {
      await client.connect();
      await publish("typed", 0, 3);
      await waitFor(() => got.length === 3);
      edge.kill();
      await edge.exited;
      await publish("typed", 3, 5);
      await stack.start("gateway-edge", { CLAWDBOT_GATEWAY_PORT: new URL(url).port, CLAWDBOT_EDGE_ID: "edge-d" });
      await publish("typed", 8, 2);
      await waitFor(() => got.length >= 10, { message: `the typed client got ${JSON.stringify(got)}` });
      expect(got.map((e) => e.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (let i = 1; i < got.length; i++) expect(got[i]!.seq).toBeGreaterThan(got[i - 1]!.seq);
      expect(gaps).toEqual([]);
    } finally {
      client.close();
    }
  });
});

describe("after a NATS restart", () => {
  test("each edge's log reader picks up where it was: events published afterwards reach clients of both edges, seq going on", async () => {
    const a = (await RawClient.connect(edgeA, { token: stack.token })).client;
    const b = (await RawClient.connect(edgeB, { token: stack.token })).client;
    await publish("restart", 0, 1);
    const before = await lastSeqSeenBy("restart", 0, a, b);
    await nc.close();
    await nats.restart();
    nc = await connect({ servers: nats.url });
    // The edges reconnect on their own; publish until both have their consumers back.
    let n = 1;
    await waitFor(
      async () => {
        await publish("restart", n++, 1);
        return heartbeats(a, "restart").length > 1 && heartbeats(b, "restart").length > 1;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: "events stopped reaching the edges after the NATS restart" },
    );
    for (const client of [a, b]) {
      const seqs = heartbeats(client, "restart").map((f) => f.seq as number);
      expect(seqs[1]).toBeGreaterThan(before);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    }
    a.close();
    b.close();
  });
});
