// Fault: a rolling restart of every process (issue #12) under load from 200 clients through
// HAProxy. One at a time, each service replica, then each edge, then each NATS node is stopped
// with SIGTERM, started again with the same settings and waited for until it is back in service.
// No call may be lost along the way: each is answered, or fails with a retryable error; and as
// every stop is graceful, no client may see its socket close under a pending call (an edge
// drains its in-flight calls before it closes).
import { type Cluster, SERVICE_NAMES, startCluster } from "@clawdbot/cluster";
import { waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { recordFigures } from "./figures.js";
import { type CallTally, diffTally } from "./load.js";
import { type FleetSpec, LoadMix, ProcessWatch, restartEdge, restartNatsNode, restartService } from "./rolling-helpers.js";

const REQUEST_TIMEOUT_MS = 5_000;
/** Calls that each reach a different part: the edge alone, and each service over NATS. */
const FLEETS: FleetSpec[] = [
  { clients: 20, method: "status" },
  { clients: 80, method: "sessions.list", params: { limit: 1 } },
  { clients: 50, method: "config.get" },
  { clients: 50, method: "voicewake.get", params: {} },
];
const CLIENTS = FLEETS.reduce((n, f) => n + f.clients, 0);

let cluster: Cluster;
let mix: LoadMix | undefined;
const watch = new ProcessWatch();
/** Per restarted process: how its stop and start went, and the calls settled meanwhile. */
const steps: { process: string; calls: CallTally; socketsClosed: number; failedClosedSentAfterShutdownEvent: number; signal?: NodeJS.Signals | null }[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  cluster = await startCluster({ env: { CLAWDBOT_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }, onLine: watch.onLine });
}, 120_000);

afterAll(async () => {
  mix?.close();
  await cluster?.stop();
  // Also when a step failed: the steps done until then say how far the restart got.
  if (steps.length > 0) recordFigures("rolling-restart", { clients: CLIENTS, ...figures, steps, errorLogLines: watch.problems.length, errorLogSample: watch.problems.slice(0, 10) });
}, 60_000);

const drops = () => mix!.clients.reduce((n, c) => n + c.drops, 0);

/**
 * One process restarted while the load goes on, then the load seen going on after it: every
 * client connected again, and at least one call per client answered since it came back.
 */
async function step(name: string, restart: () => Promise<object>): Promise<void> {
  const before = mix!.tally;
  const dropsBefore = drops();
  const afterShutdownBefore = mix!.closedAfterShutdown;
  const result = await restart();
  const back = mix!.tally;
  const backAt = Date.now();
  await waitFor(() => mix!.clients.every((c) => c.open), { timeoutMs: 30_000, message: `clients not all connected again after restarting ${name}` });
  await waitFor(() => mix!.tally.answered >= back.answered + CLIENTS, { timeoutMs: 30_000, message: `the load stalled after restarting ${name}` });
  // Calls sent before the process was back settle (or time out) before the next step, so each
  // step's figures hold the outcomes of the calls its restart touched.
  await waitFor(() => mix!.clients.every((c) => !c.pending || c.pending.sentAt >= backAt), {
    timeoutMs: REQUEST_TIMEOUT_MS + 15_000,
    message: `calls sent while ${name} restarted never settled`,
  });
  steps.push({
    process: name,
    ...result,
    socketsClosed: drops() - dropsBefore,
    calls: diffTally(mix!.tally, before),
    failedClosedSentAfterShutdownEvent: mix!.closedAfterShutdown - afterShutdownBefore,
  });
}

test(`rolling restart of every process (SIGTERM, one at a time) under load from ${CLIENTS} clients: no call lost`, async () => {
  // Clients behave as the typed client does: no new call on a socket that said `shutdown`. One that
  // ignores it can have a call cross the edge's close on the wire (it sees the close: retryable).
  mix = await LoadMix.connect(FLEETS, { url: cluster.url, token: cluster.token, thinkMs: [200, 800], heedShutdown: true });
  mix.start();
  await waitFor(() => mix!.tally.answered >= 2 * CLIENTS, { timeoutMs: 30_000, message: "the load never got going" });
  // Every fleet is served before anything restarts: a method failing from the start is no fault.
  expect(Object.values(mix.byMethod()).every((t) => t.answered > 0 && t.failedOther === 0)).toBe(true);
  const startedAt = Date.now();

  for (const app of SERVICE_NAMES) {
    for (const replica of cluster.services.filter((s) => s.app === app).map((s) => s.name)) {
      await step(replica, () => restartService(cluster, replica, watch));
    }
  }
  for (const index of cluster.edges.keys()) await step(`edge-${index + 1}`, () => restartEdge(cluster, index));
  for (const index of cluster.nats.keys()) await step(`nats-${index + 1}`, () => restartNatsNode(cluster, index));

  // Every call since the clients connected (a snapshot taken under load would split calls in flight).
  const calls = await mix.stop(REQUEST_TIMEOUT_MS + 10_000);
  Object.assign(figures, {
    secondsRestarting: Math.round((Date.now() - startedAt) / 100) / 10,
    processesRestarted: steps.length,
    calls,
    // Of calls.failedClosed: sent by a client that already had its edge's `shutdown` event.
    failedClosedSentAfterShutdownEvent: mix.closedAfterShutdown,
    callsByMethod: mix.byMethod(),
    errors: mix.errors(),
    handshakeRefusals: mix.handshakeRefusals,
  });

  expect(steps.length).toBe(cluster.services.length + cluster.edges.length + cluster.nats.length);
  expect(calls.answered + calls.failedRetryable + calls.failedClosed + calls.failedOther + calls.lost).toBe(calls.sent);
  expect(calls.lost).toBe(0);
  expect(calls.unexpected).toBe(0);
  // Answered or retryable, never a failure the client must not retry.
  expect(calls.failedOther).toBe(0);
  // Every stop was a SIGTERM and every process went by itself (none needed SIGKILL)...
  expect(steps.filter((s) => s.signal === "SIGKILL").map((s) => s.process)).toEqual([]);
  // ...and a graceful stop answers what is in flight before any socket closes.
  expect(steps.filter((s) => s.calls.failedClosed > 0).map((s) => s.process)).toEqual([]);
  expect(calls.failedClosed).toBe(0);
}, 170_000);
