import { randomUUID } from "node:crypto";
import { type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

let nats: NatsServer;
let stack: Stack;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_REGISTRY_HEARTBEAT_MS: "60000" } });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

test("SIGTERM on a service: it drains, exits 0, and leaves new hello-ok lists at once", async () => {
  // A one-minute heartbeat: only the stop announcement can make the method disappear in time.
  const plugins = await stack.start("plugin-host");
  const { url } = await stack.startEdge();
  const methods = async () => {
    const { client, hello } = await RawClient.connect(url, { token: stack.token });
    client.close();
    return (hello.payload as { features: { methods: string[] } }).features.methods;
  };
  await waitFor(async () => (await methods()).includes("plugins.list"));
  expect(await plugins.stop()).toEqual({ code: 0, signal: null });
  await waitFor(async () => !(await methods()).includes("plugins.list"), { timeoutMs: 5_000 });
});

test("SIGTERM on an edge: clients get shutdown, then close 1012; the process exits 0", async () => {
  const { edge, url } = await stack.startEdge();
  const { client } = await RawClient.connect(url, { token: stack.token });
  const exited = edge.stop();
  const shutdown = await client.next((f) => f.event === "shutdown");
  expect(shutdown.payload).toEqual({ reason: "gateway stopping", restartExpectedMs: 5_000 });
  assertOriginalFrame(shutdown);
  expect(await client.closed).toEqual({ code: 1012, reason: "service restart" });
  expect(await exited).toEqual({ code: 0, signal: null });
});

test("an edge with no shared secret refuses to start, saying why", async () => {
  await expect(stack.startEdge({ CLAWDBOT_GATEWAY_TOKEN: "" })).rejects.toThrow(/CLAWDBOT_GATEWAY_TOKEN/);
});

/** A forwarded call that stays in flight until run `runId` ends (or 30 s pass). */
const holdUntilRunEnds = (client: RawClient, runId: string) => client.request("agent.wait", { runId, timeoutMs: 30_000 }, 40_000);

test("SIGTERM on an edge drains: new sockets are refused, calls in flight finish and calls during the drain are answered, then close 1012", async () => {
  await stack.start("session-manager");
  const { edge, url } = await stack.startEdge({ CLAWDBOT_RESTART_EXPECTED_MS: "2500" });
  const { client } = await RawClient.connect(url, { token: stack.token });
  await waitFor(async () => (await client.request("sessions.list", { limit: 1 })).ok === true, { timeoutMs: 20_000 });
  const runId = `run-${randomUUID()}`;
  const waiting = holdUntilRunEnds(client, runId);
  // Read after the wait on the same socket: the wait is in flight at the edge.
  expect(await client.request("health")).toMatchObject({ ok: true });
  const exited = edge.stop();
  const shutdown = await client.next((f) => f.event === "shutdown");
  expect(shutdown.payload).toEqual({ reason: "gateway stopping", restartExpectedMs: 2_500 });
  assertOriginalFrame(shutdown);
  await expect(RawClient.open(url)).rejects.toThrow();
  // During the drain the socket still serves calls, forwarded ones too: this one ends the run.
  expect(await client.request("sessions.list", { limit: 1 })).toMatchObject({ ok: true });
  expect(await client.request("agent", { message: "hi", sessionKey: `drain-${randomUUID()}`, idempotencyKey: runId }, 20_000)).toMatchObject({ ok: true });
  expect(await waiting).toMatchObject({ ok: true, payload: { runId, status: "ok" } });
  expect(await client.closed).toEqual({ code: 1012, reason: "service restart" });
  expect(await exited).toEqual({ code: 0, signal: null });
}, 60_000);

test("SIGTERM on an edge: a call still in flight at the drain deadline is answered UNAVAILABLE retryable before the close", async () => {
  await stack.start("session-manager");
  const { edge, url } = await stack.startEdge({ CLAWDBOT_DRAIN_TIMEOUT_MS: "1000" });
  const { client } = await RawClient.connect(url, { token: stack.token });
  await waitFor(async () => (await client.request("sessions.list", { limit: 1 })).ok === true, { timeoutMs: 20_000 });
  const waiting = holdUntilRunEnds(client, `run-${randomUUID()}`);
  expect(await client.request("health")).toMatchObject({ ok: true });
  const exited = edge.stop();
  expect(await waiting).toMatchObject({
    ok: false,
    error: { code: "UNAVAILABLE", retryable: true, details: { reason: "edge_stopping" } },
  });
  expect(await client.closed).toEqual({ code: 1012, reason: "service restart" });
  expect(await exited).toEqual({ code: 0, signal: null });
}, 60_000);
