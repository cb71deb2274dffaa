// The built Node client against real edges: it survives its edge being killed and replaced on
// the same port, and its tick watchdog notices a frozen edge (SIGSTOP: the TCP connection stays
// up, nothing arrives) and reconnects once the edge runs again.
import { type AppProcess, type NatsServer, startNatsServer, waitFor } from "@clawdbot/testkit";
import type { CloseInfo, GatewayClient } from "@clawdbot/protocol";
import { afterAll, beforeAll, expect, test } from "vitest";
import { importBuiltNodeClient } from "./protocol-build.js";
import { Stack } from "./stack.js";

let nats: NatsServer;
let stack: Stack;
let client: GatewayClient | undefined;
let frozen: AppProcess | undefined;
const closes: CloseInfo[] = [];
const hellos: string[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  // A short tick keeps the watchdog's 2× tickIntervalMs wait short (it checks once a second).
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_TICK_INTERVAL_MS: "1000" } });
  await stack.start("session-manager");
});

afterAll(async () => {
  client?.close();
  if (frozen?.running) process.kill(frozen.pid, "SIGCONT");
  await stack?.stop();
  await nats?.stop();
});

test("killed edge, another on the same port: the client reconnects on its own and its next call succeeds", async () => {
  const { edge: first, url } = await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-1" });
  const port = new URL(url).port;
  const { createGatewayClient } = await importBuiltNodeClient();
  client = createGatewayClient({
    url,
    token: stack.token,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
    handshakeTimeoutMs: 3_000,
    onClose: (info) => closes.push(info),
    onHello: (hello) => hellos.push(hello.server.connId),
  });
  await client.connect();
  expect(await client.call("sessions.list", { limit: 1 })).toMatchObject({ count: 0 });

  first.kill();
  await first.exited;
  const dropped = await waitFor(() => closes.find((c) => c.code === 1006), { message: "the client never noticed the dead edge" });
  expect(dropped).toMatchObject({ local: false, wasOpen: true });

  await stack.start("gateway-edge", { CLAWDBOT_GATEWAY_PORT: port, CLAWDBOT_EDGE_ID: "edge-2" });
  // Issued right away: it waits for the reconnect, then runs on the new edge.
  expect(await client.call("sessions.list", { limit: 1 }, { timeoutMs: 30_000 })).toMatchObject({ count: 0 });
  expect(hellos.length).toBeGreaterThanOrEqual(2);
  expect(hellos.at(-1)).not.toBe(hellos[0]);
  const health = (await client.call("health")) as { edges: { edgeId: string }[] };
  expect(health.edges.map((e) => e.edgeId)).toContain("edge-2");
});

// Continues with the client and the second edge of the test above.
test("a frozen edge sends no tick: the client closes with 4000 'tick timeout' and reconnects once it runs again", async () => {
  const edge = stack.apps.filter((a) => a.name === "gateway-edge" && a.running).at(-1)!;
  expect(client!.policy.tickIntervalMs).toBe(1000);
  const before = closes.length;
  const hellosBefore = hellos.length;

  frozen = edge;
  process.kill(edge.pid, "SIGSTOP");
  try {
    const timedOut = await waitFor(() => closes.slice(before).find((c) => c.code === 4000), { timeoutMs: 30_000, message: "the watchdog never fired" });
    expect(timedOut).toEqual({ code: 4000, reason: "tick timeout", local: true, wasOpen: true });
  } finally {
    process.kill(edge.pid, "SIGCONT");
  }

  await waitFor(() => hellos.length > hellosBefore, { timeoutMs: 30_000, message: "no reconnect after the edge resumed" });
  expect(client!.state).toBe("open");
  expect(await client!.call("sessions.list", { limit: 1 }, { timeoutMs: 30_000 })).toMatchObject({ count: 0 });
});
