// Fault: hostile input. At least 100,000 hostile frames against a live edge (random bytes,
// invalid UTF-8, deep nesting, huge strings, `__proto__` keys, wrong types, oversized batches,
// binary frames, hostile first frames), plus half-open and non-reading sockets. The edge must not
// crash or log an unhandled rejection, its memory must come back near where it was, and every
// well-formed request afterwards must be answered. FUZZ_SEED replays a run.
import type { Socket } from "node:net";
import { type AppProcess, type Cluster, startCluster } from "@clawdbot/cluster";
import { DEFAULT_POLICY } from "@clawdbot/protocol";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { recordFigures, rssBytes } from "./figures.js";
import { type Dialect, LeanClient, halfOpenSocket } from "./fuzz-clients.js";
import { HostileFrames, closesSocket } from "./hostile-frames.js";

const TARGET_FRAMES = 100_000;
const SYNC_EVERY = 250;
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MB = 1024 * 1024;
let cluster: Cluster;
let edge: AppProcess;
let port: number;
/** Log lines that would mean a defect: crash output, unhandled rejections, fatal, or anything on stderr. */
const problems: { source: string; msg: string; err?: string }[] = [];
/** Error-level lines (a handler that threw on hostile input: not a crash, but worth reading). */
const errorLines = new Map<string, number>();

beforeAll(async () => {
  cluster = await startCluster({
    natsNodes: 1,
    edges: 1,
    replicas: 1,
    services: ["session-manager"],
    loadBalancer: false,
    env: { CLAWDBOT_REQUEST_TIMEOUT_MS: "10000" },
    edgeEnv: { CLAWDBOT_HANDSHAKE_TIMEOUT_MS: "2000" },
    onLine: (source, line) => {
      const msg = String(line.msg);
      const err = (line.err as { message?: string } | undefined)?.message;
      if (typeof line.level !== "number" || line.level >= 60 || /unhandled|uncaught/i.test(msg)) problems.push({ source, msg, ...(err ? { err } : {}) });
      else if (line.level >= 50) {
        const key = `${source}: ${msg}${err ? ` (${err.slice(0, 80)})` : ""}`;
        errorLines.set(key, (errorLines.get(key) ?? 0) + 1);
      }
    },
  });
  edge = cluster.edges[0]!;
  port = cluster.edgePorts[0]!;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

/** `n` well-formed calls over fresh connections of both dialects; returns how many were answered ok. */
async function wellFormed(n: number): Promise<{ ok: number; failed: string[] }> {
  const clients = await Promise.all([
    LeanClient.open(cluster.url, "native", cluster.token),
    LeanClient.open(cluster.url, "native", cluster.token),
    LeanClient.open(cluster.url, "jsonrpc", cluster.token),
  ]);
  const calls: [Dialect, string, Record<string, unknown>][] = [
    ["native", "health", {}],
    ["native", "sessions.list", { limit: 5 }],
    ["native", "chat.history", { sessionKey: "main" }],
    ["jsonrpc", "sessions.list", {}],
    ["jsonrpc", "status", {}],
  ];
  const failed: string[] = [];
  let ok = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const [dialect, method, params] = calls[i % calls.length]!;
      const client = dialect === "jsonrpc" ? clients[2] : clients[i % 2]!;
      const answer: Record<string, unknown> = await client.call(dialect, `sync-w${i}`, method, params).catch((err: Error) => ({ error: err.message }));
      if (answer.ok === true || (answer.jsonrpc === "2.0" && "result" in answer)) ok++;
      else failed.push(`${method}: ${JSON.stringify(answer).slice(0, 200)}`);
    }),
  );
  for (const c of clients) c.ws.close();
  return { ok, failed: failed.slice(0, 5) };
}

/** The lowest RSS sampled over `windowMs` of quiet. */
async function quietRss(windowMs: number): Promise<number> {
  const deadline = Date.now() + windowMs;
  let lowest = rssBytes(edge.pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    lowest = Math.min(lowest, rssBytes(edge.pid));
  }
  return lowest;
}

/**
 * RSS once it is under `bound`, or the lowest seen by the deadline. An idle V8 may keep a grown
 * heap until something allocates, so a trickle of well-formed calls (what an edge in service
 * sees) runs meanwhile: memory that is garbage comes back, a leak would not.
 */
async function settledRss(bound: number, timeoutMs: number): Promise<{ rss: number; seconds: number }> {
  const started = Date.now();
  const client = await LeanClient.open(cluster.url, "native", cluster.token);
  let lowest = rssBytes(edge.pid);
  for (let i = 0; lowest > bound && Date.now() - started < timeoutMs; i++) {
    await client.call("native", `sync-settle-${i}`, i % 2 ? "health" : "sessions.list", {});
    await new Promise((r) => setTimeout(r, 100));
    lowest = Math.min(lowest, rssBytes(edge.pid));
  }
  client.ws.close();
  return { rss: lowest, seconds: (Date.now() - started) / 1000 };
}

test(`${TARGET_FRAMES.toLocaleString("en")} hostile frames and half-open sockets: no crash, memory back, well-formed calls answered`, async () => {
  // Baseline after a warm-up, so lazily built things (JIT, pools, caches) are in it.
  for (let i = 0; i < 2; i++) expect((await wellFormed(500)).ok).toBe(500);
  const rssBefore = await quietRss(5_000);

  const frames = new HostileFrames(SEED, DEFAULT_POLICY.maxPayload);
  const byKind = new Map<string, number>();
  const closes = new Map<number, number>();
  let sent = 0;
  let reconnects = 0;
  /** Frames the edge sent back to the fuzzing connections (answers, errors, events). */
  let framesBack = 0;
  const count = (map: Map<string | number, number>, key: string | number) => map.set(key, (map.get(key) ?? 0) + 1);

  // Half-open sockets, held for the whole run: silent TCP, half an HTTP upgrade, half a frame.
  const halfOpen: Socket[] = [];
  for (const kind of ["silent", "partial-http", "partial-frame"] as const) {
    for (let i = 0; i < 30; i++) halfOpen.push(await halfOpenSocket(port, kind));
  }
  // Clients that never read: the edge's answers pile up against a full TCP window.
  const deaf: LeanClient[] = [];
  for (let i = 0; i < 5; i++) {
    const c = await LeanClient.open(cluster.url, "native", cluster.token);
    (c.ws as unknown as { _socket: Socket })._socket.pause();
    for (let j = 0; j < 2_000; j++) c.ws.send(JSON.stringify({ type: "req", id: `deaf-${j}`, method: j % 2 ? "health" : "sessions.list", params: {} }));
    sent += 2_000;
    byKind.set("non-reading-client-request", (byKind.get("non-reading-client-request") ?? 0) + 2_000);
    deaf.push(c);
  }

  const worker = async (dialect: Dialect, n: number) => {
    let client = await LeanClient.open(cluster.url, dialect, cluster.token);
    let sinceSync = 0;
    let syncs = 0;
    while (sent < TARGET_FRAMES) {
      if (!client.open) {
        count(closes, (await client.closed).code);
        framesBack += client.received;
        client = await LeanClient.open(cluster.url, dialect, cluster.token);
        reconnects++;
      }
      const frame = frames.next(dialect);
      client.ws.send(frame.data, { binary: frame.binary });
      sent++;
      count(byKind, frame.kind);
      // After a frame that closes the socket, wait for the close: nothing is sent into a dead socket.
      if (closesSocket(frame, DEFAULT_POLICY.maxPayload) || ++sinceSync >= SYNC_EVERY) {
        sinceSync = 0;
        // Wait until the edge has read this far (an answer behind the frames), or the socket closed.
        await client.call(dialect, `sync-${dialect}-${n}-${syncs++}`, "health").catch(() => undefined);
      }
    }
    framesBack += client.received;
    client.ws.close();
  };
  // Fresh connections whose first frame is hostile, from another loopback address so the failed
  // attempts count against it, not against the well-formed clients on 127.0.0.1.
  const firstFrames = async () => {
    while (sent < TARGET_FRAMES) {
      const frame = frames.firstFrame();
      const ws = new WebSocket(cluster.url, { localAddress: "127.0.0.3" });
      ws.on("error", () => undefined);
      const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
      ws.once("message", () => ws.send(frame.data, { binary: frame.binary })); // after connect.challenge
      const timer = setTimeout(() => ws.terminate(), 5_000);
      count(closes, await closed);
      clearTimeout(timer);
      count(byKind, frame.kind);
      sent++;
    }
  };
  // Sockets dropped without a close frame while their calls are in flight.
  let abrupt = 0;
  const abruptDrops = async () => {
    while (sent < TARGET_FRAMES) {
      const c = await LeanClient.open(cluster.url, "native", cluster.token);
      for (let j = 0; j < 10; j++) c.ws.send(JSON.stringify({ type: "req", id: `gone-${j}`, method: "sessions.list", params: {} }));
      sent += 10;
      byKind.set("request-then-abrupt-disconnect", (byKind.get("request-then-abrupt-disconnect") ?? 0) + 10);
      c.ws.terminate();
      abrupt++;
      await c.closed;
    }
  };

  const started = Date.now();
  await Promise.all([
    ...Array.from({ length: 4 }, (_, i) => worker("native", i)),
    ...Array.from({ length: 3 }, (_, i) => worker("jsonrpc", i)),
    firstFrames(),
    abruptDrops(),
  ]);
  const fuzzSeconds = (Date.now() - started) / 1000;

  // The edge survived and still serves health on HTTP, with every hostile socket still attached.
  expect(edge.running).toBe(true);
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  const rssPeak = rssBytes(edge.pid);
  for (const s of halfOpen) s.destroy();
  for (const c of deaf) c.ws.terminate();

  // Memory comes back: generous bound, since V8 keeps some of the heap it grew.
  const bound = rssBefore + Math.max(64 * MB, rssBefore * 0.5);
  const settled = await settledRss(bound, 90_000);
  const rssAfter = settled.rss;
  const after = await wellFormed(500);

  recordFigures("fuzz", {
    seed: SEED,
    hostileFramesSent: sent,
    framesByKind: Object.fromEntries([...byKind].sort((a, b) => b[1] - a[1])),
    framesBackFromTheEdge: framesBack,
    closesSeenByCode: Object.fromEntries(closes),
    reconnectsAfterAClose: reconnects,
    abruptDisconnects: abrupt,
    halfOpenSockets: halfOpen.length,
    nonReadingClients: deaf.length,
    fuzzSeconds,
    edgeRssMB: { before: +(rssBefore / MB).toFixed(1), peak: +(rssPeak / MB).toFixed(1), after: +(rssAfter / MB).toFixed(1), bound: +(bound / MB).toFixed(1), secondsToSettle: settled.seconds },
    wellFormedAfter: { sent: 500, answered: after.ok, failedSample: after.failed },
    problemLogLines: problems,
    errorLevelLines: Object.fromEntries(errorLines),
  });

  expect(sent).toBeGreaterThanOrEqual(TARGET_FRAMES);
  expect(problems).toEqual([]);
  expect(edge.running).toBe(true);
  expect(cluster.services.every((s) => s.running)).toBe(true);
  expect(rssAfter).toBeLessThanOrEqual(bound);
  expect(after).toEqual({ ok: 500, failed: [] });
}, 300_000);
