// Faults of the bus itself, under load through HAProxy: one NATS node of three restarted (calls
// go on), then all of NATS stopped (edges answer UNAVAILABLE, retryable, and report unready) and
// started again (everything recovers without a restart of any process).
import { type Cluster, startCluster } from "@clawdbot/cluster";
import { publishEvent } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { RawClient, waitFor } from "@clawdbot/testkit";
import { connect } from "nats";
import { afterAll, beforeAll, expect, test } from "vitest";
import { recordFigures } from "./figures.js";
import { type CallTally, Load, diffTally } from "./load.js";

const CLIENTS = 100;
const REQUEST_TIMEOUT_MS = 5_000;
let cluster: Cluster;
let load: Load;
const figures: Record<string, unknown> = {};
/** Lines at error or fatal level, and crash output, from every process. */
const problems: { source: string; msg: string; method?: unknown; err?: string }[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    env: { CLAWDBOT_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
    onLine: (source, line) => {
      if ((typeof line.level === "number" && line.level >= 50) || /unhandled|uncaught/i.test(String(line.msg))) {
        const err = line.err as { message?: string; stack?: string } | undefined;
        problems.push({ source, msg: String(line.msg), method: line.method, err: err?.stack?.split("\n").slice(0, 4).join(" | ") ?? err?.message });
      }
    },
  });
  load = await Load.connect(CLIENTS, { url: cluster.url, token: cluster.token, method: "sessions.list", params: { limit: 1 }, thinkMs: [50, 250] });
  load.start();
  await waitFor(() => load.tally.answered >= 3 * CLIENTS, { timeoutMs: 60_000, message: "the load never got going" });
  // Each test starts the load from rest, so its figures count exactly the calls it made.
  await load.stop(REQUEST_TIMEOUT_MS + 10_000);
}, 120_000);

afterAll(async () => {
  load?.close();
  await cluster?.stop();
  if (Object.keys(figures).length > 0) recordFigures("nats-outage", { ...figures, errorLogLines: problems.length, errorLogSample: problems.slice(0, 10) });
}, 60_000);

const readyz = async (i: number) => (await fetch(`${cluster.edgeUrl(i).replace("ws:", "http:")}/readyz`)).json() as Promise<{ ready: boolean; nats: boolean }>;
const answeredBy = () => load.clients.map((c) => c.answered);

function resume(): CallTally {
  load.errors.clear();
  const start = load.snapshot();
  load.start();
  return start;
}

/** Load stopped and drained; every call accounted for. */
async function settle(since: CallTally): Promise<CallTally> {
  await load.stop(REQUEST_TIMEOUT_MS + 10_000);
  const phase = diffTally(load.snapshot(), since);
  expect(phase.lost).toBe(0);
  expect(phase.unexpected).toBe(0);
  expect(phase.answered + phase.failedRetryable + phase.failedClosed + phase.failedOther).toBe(phase.sent);
  return phase;
}

test("one NATS node of three stopped and started again under load: calls go on, none lost", async () => {
  const start = resume();
  const node = cluster.nats[0]!;
  await node.halt();
  const down = load.snapshot();
  await waitFor(() => load.tally.answered >= down.answered + 3 * CLIENTS, { timeoutMs: 60_000, message: "calls stopped while one NATS node was down" });
  const whileDown = diffTally(load.snapshot(), down);
  await node.restart();
  await cluster.natsCluster!.waitFormed();
  const back = load.snapshot();
  await waitFor(() => load.tally.answered >= back.answered + 3 * CLIENTS, { timeoutMs: 60_000, message: "calls stopped after the node came back" });
  const phase = await settle(start);
  figures.oneNodeRestart = { calls: phase, callsWhileNodeDown: whileDown, errors: Object.fromEntries(load.errors) };
  expect(phase.failedOther).toBe(0);
}, 180_000);

test("all of NATS stopped: calls answer UNAVAILABLE retryable, /readyz is false, HAProxy takes the edges out", async () => {
  const start = resume();
  await Promise.all(cluster.nats.map((s) => s.halt()));
  await waitFor(async () => (await Promise.all([0, 1].map(readyz))).every((r) => !r.ready && !r.nats), { timeoutMs: 30_000, message: "an edge still says it is ready" });
  await cluster.lb!.waitFor(["edge-1", "edge-2"], "DOWN", 30_000);
  // Each client's call in flight and every one after: UNAVAILABLE, retryable.
  const outage = load.snapshot();
  await waitFor(() => load.tally.failedRetryable >= outage.failedRetryable + 2 * CLIENTS, { timeoutMs: 60_000, message: "calls are not answered with retryable errors" });
  const phase = await settle(start);
  figures.allNatsDown = { calls: phase, errors: Object.fromEntries(load.errors), readyzDuringOutage: await readyz(0), haproxy: await cluster.lb!.serverStates() };
  expect(phase.failedOther).toBe(0);
  expect([...load.errors.keys()].every((k) => k.startsWith("UNAVAILABLE (retryable)"))).toBe(true);
  // The clients stay connected through the outage: nothing closed their sockets.
  expect(load.openCount).toBe(CLIENTS);
}, 180_000);

test("NATS back: everything recovers on its own; every client's calls are answered again", async () => {
  const start = resume();
  const restartedAt = Date.now();
  await Promise.all(cluster.nats.map((s) => s.restart()));
  await cluster.natsCluster!.waitFormed();
  await waitFor(async () => (await Promise.all([0, 1].map(readyz))).every((r) => r.ready), { timeoutMs: 60_000, message: "an edge never became ready again" });
  await cluster.waitEdgesUp(30_000);
  const marks = answeredBy();
  await waitFor(() => load.clients.every((c, i) => c.answered > marks[i]!), { timeoutMs: 60_000, message: "some clients get no answers after NATS came back" });
  const recoveredMs = Date.now() - restartedAt;
  const phase = await settle(start);
  // New connections through the load balancer work too.
  const fresh = await Load.connect(5, { url: cluster.url, token: cluster.token, method: "sessions.list", params: { limit: 1 } });
  fresh.start();
  await waitFor(() => fresh.tally.answered >= 5, { timeoutMs: 30_000, message: "a new client's calls are not answered" });
  fresh.close();
  figures.recovery = { calls: phase, secondsUntilEveryClientAnswered: Math.round(recoveredMs / 100) / 10, errors: Object.fromEntries(load.errors) };
  figures.processesRunning = [...cluster.edges, ...cluster.services].filter((p) => p.running).length;
  // Nothing was restarted by hand and nothing died.
  expect([...cluster.edges, ...cluster.services].every((p) => p.running)).toBe(true);
  // Right after NATS returns, JetStream calls can time out while it re-elects: those answers are
  // UNAVAILABLE retryable, never a non-retryable failure.
  expect(phase.failedOther).toBe(0);

  // Events flow again too: each edge's reader of the event log found its way back.
  const watchers = await Promise.all([0, 1].map(async (i) => (await RawClient.connect(cluster.edgeUrl(i), { token: cluster.token })).client));
  const nc = await connect({ servers: cluster.natsUrl });
  try {
    await waitFor(
      async () => {
        publishEvent(nc, natsNames(cluster.prefix), "heartbeat", { after: "nats-outage" });
        await nc.flush();
        return watchers.every((w) => w.frames.some((f) => f.event === "heartbeat" && typeof f.seq === "number"));
      },
      { timeoutMs: 30_000, intervalMs: 500, message: "events published after NATS came back never reached the clients of both edges" },
    );
  } finally {
    await nc.close();
    for (const w of watchers) w.close();
  }
}, 180_000);
