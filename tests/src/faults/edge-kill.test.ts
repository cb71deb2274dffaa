// Fault: SIGKILL of one edge behind HAProxy while 500 clients keep calling. Every call made
// must be answered or fail in a way the client can see and retry (load.ts defines the
// outcomes); the dead edge's clients reconnect through the load balancer to the other edge.
import { type Cluster, startCluster } from "@clawdbot/cluster";
import { waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { recordFigures } from "./figures.js";
import { Load, diffTally } from "./load.js";

const CLIENTS = 500;
let cluster: Cluster;
let load: Load | undefined;
/** "client connected" log lines per edge: which edge each handshake landed on. */
const connected = new Map<string, number>();
const count = (edge: string) => connected.get(edge) ?? 0;

beforeAll(async () => {
  cluster = await startCluster({
    env: { CLAWDBOT_REQUEST_TIMEOUT_MS: "10000" },
    onLine: (source, line) => {
      if (line.msg === "client connected") connected.set(source, count(source) + 1);
    },
  });
}, 120_000);

afterAll(async () => {
  load?.close();
  await cluster?.stop();
}, 60_000);

test(`SIGKILL of one edge under load from ${CLIENTS} clients: they reconnect to the other, and no call is lost`, async () => {
  load = await Load.connect(CLIENTS, { url: cluster.url, token: cluster.token, method: "sessions.list", params: { limit: 1 }, thinkMs: [200, 800] });
  // A log line can trail its hello-ok a little.
  await waitFor(() => count("edge-1") + count("edge-2") === CLIENTS, { message: "not every handshake was logged by an edge" });
  const initial = { "edge-1": count("edge-1"), "edge-2": count("edge-2") };
  // leastconn spreads the clients: both edges have some, and together they have all.
  expect(initial["edge-1"]).toBeGreaterThan(0);
  expect(initial["edge-2"]).toBeGreaterThan(0);

  load.start();
  await waitFor(() => load!.tally.answered >= 4 * CLIENTS, { timeoutMs: 60_000, message: "the load never got going" });
  const beforeKill = load.snapshot();

  const victim = cluster.edges[0]!;
  const killedAt = Date.now();
  victim.kill();
  await victim.exited;
  // Each client of the dead edge sees its socket close, reconnects through HAProxy, and has a
  // call answered on the edge it lands on; the clients of the other edge never notice.
  await waitFor(() => load!.clients.filter((c) => c.drops > 0).length === initial["edge-1"], {
    timeoutMs: 30_000,
    message: "not every client of the killed edge saw its socket close",
  });
  await waitFor(() => load!.clients.every((c) => c.open && c.answeredSinceHello > 0), {
    timeoutMs: 60_000,
    message: "not every client is back and answered",
  });
  const recoveredMs = Date.now() - killedAt;
  const afterRecovery = load.snapshot();
  await waitFor(() => load!.tally.answered >= afterRecovery.answered + 4 * CLIENTS, { timeoutMs: 60_000, message: "the load stalled after the kill" });

  const tally = await load.stop(20_000);
  const dropped = load.clients.filter((c) => c.drops > 0).length;
  const reconnects = load.clients.reduce((n, c) => n + c.hellos, 0) - CLIENTS;
  recordFigures("edge-kill", {
    clients: CLIENTS,
    clientsPerEdgeBefore: initial,
    clientsOfKilledEdge: dropped,
    reconnects,
    secondsUntilAllBackAndAnswered: Math.round(recoveredMs / 100) / 10,
    calls: tally,
    callsAroundTheKill: diffTally(afterRecovery, beforeKill),
    errors: Object.fromEntries(load.errors),
    handshakeRefusals: load.handshakeRefusals,
  });

  expect(tally.lost).toBe(0);
  expect(tally.failedOther).toBe(0);
  expect(tally.unexpected).toBe(0);
  expect(tally.answered + tally.failedRetryable + tally.failedClosed + tally.failedOther + tally.lost).toBe(tally.sent);
  // Exactly the killed edge's clients dropped, and every reconnect landed on the survivor.
  expect(dropped).toBe(initial["edge-1"]);
  await waitFor(() => count("edge-2") - initial["edge-2"] === reconnects, { message: "some reconnects did not land on the survivor" });
  expect(count("edge-1")).toBe(initial["edge-1"]);
}, 180_000);

test("the killed edge, started again on its port, is back in HAProxy and takes new clients", async () => {
  // The 500 stay connected (idle) to the survivor, so leastconn has a reason to choose.
  await cluster.startEdge(0);
  await cluster.waitEdgesUp();
  const before = count("edge-1");
  const fresh = await Load.connect(10, { url: cluster.url, token: cluster.token, method: "health" });
  fresh.close();
  await waitFor(() => count("edge-1") - before === 10, { message: `the restarted edge took ${count("edge-1") - before} of 10 new clients` });
}, 60_000);
