// Backpressure and limits of the edge (issue #12), on real processes: calls in flight per
// connection and per edge, WebSockets per client address, and calls while NATS is away.
import { randomUUID } from "node:crypto";
import { type Frame, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Stack } from "./stack.js";

let nats: NatsServer;
let stack: Stack;

beforeAll(async () => {
  nats = await startNatsServer();
  // A stop drains calls in flight; these tests leave long `agent.wait`s behind, so keep it short.
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_DRAIN_TIMEOUT_MS: "500" } });
  await stack.start("session-manager");
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

/** An edge whose forwarded calls reach the session-manager. */
async function edgeWith(env: NodeJS.ProcessEnv): Promise<{ url: string; httpUrl: string }> {
  const { url, httpUrl } = await stack.startEdge(env);
  await waitFor(async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    const res = await client.request("sessions.list", { limit: 1 });
    client.close();
    return res.ok === true;
  });
  return { url, httpUrl };
}

/** Sends `agent.wait` for a run nobody starts: a forwarded call that stays in flight until it times out or the run ends. */
function hold(client: RawClient, runId: string, timeoutMs = 30_000): Promise<Frame> {
  return client.request("agent.wait", { runId, timeoutMs }, timeoutMs + 10_000);
}

async function metric(httpUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe("calls in flight per connection (CLAWDBOT_MAX_INFLIGHT_PER_CONN)", () => {
  let url: string;
  let httpUrl: string;
  beforeAll(async () => {
    ({ url, httpUrl } = await edgeWith({ CLAWDBOT_MAX_INFLIGHT_PER_CONN: "2" }));
  }, 60_000);

  test("native: the call past the limit is refused at once, UNAVAILABLE retryable; others go on; a freed slot is usable", async () => {
    const { client: a } = await RawClient.connect(url, { token: stack.token });
    const { client: b } = await RawClient.connect(url, { token: stack.token });
    const runX = `run-${randomUUID()}`;
    const first = hold(a, runX);
    void hold(a, `run-${randomUUID()}`).catch(() => undefined);
    const refused = await a.request("sessions.list", { limit: 1 });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: "UNAVAILABLE",
        message: "too many calls in flight on this connection (limit 2)",
        retryable: true,
        retryAfterMs: 250,
        details: { limit: "inflight_per_conn", max: 2 },
      },
    });
    // Edge-local calls are not forwarded and not limited; another connection is not affected.
    expect(await a.request("health")).toMatchObject({ ok: true });
    expect(await b.request("sessions.list", { limit: 1 })).toMatchObject({ ok: true });
    // Ending run X answers the first wait, which frees one of A's slots.
    expect(await b.request("agent", { message: "hi", sessionKey: `limits-${randomUUID()}`, idempotencyKey: runX }, 20_000)).toMatchObject({ ok: true });
    expect(await first).toMatchObject({ ok: true, payload: { runId: runX, status: "ok" } });
    expect(await a.request("sessions.list", { limit: 1 })).toMatchObject({ ok: true });
    expect(await metric(httpUrl, 'clawdbot_edge_limit_rejections_total{limit="inflight_per_conn"}')).toBeGreaterThanOrEqual(1);
    a.close();
    b.close();
  });

  test("JSON-RPC: the same refusal as error -32000 with data.code UNAVAILABLE", async () => {
    const j = await RawClient.open(url, { protocols: "jsonrpc-2.0", headers: { authorization: `Bearer ${stack.token}` } });
    for (const id of [1, 2]) j.send({ jsonrpc: "2.0", id, method: "agent.wait", params: { runId: `run-${randomUUID()}`, timeoutMs: 30_000 } });
    j.send({ jsonrpc: "2.0", id: 3, method: "sessions.list", params: { limit: 1 } });
    const refused = await j.next((f) => f.id === 3);
    expect(refused).toEqual({
      jsonrpc: "2.0",
      id: 3,
      error: {
        code: -32000,
        message: "too many calls in flight on this connection (limit 2)",
        data: { code: "UNAVAILABLE", details: { limit: "inflight_per_conn", max: 2 }, retryable: true, retryAfterMs: 250 },
      },
    });
    j.close();
  });
});

test("calls in flight per edge (CLAWDBOT_MAX_INFLIGHT_PER_EDGE): past the limit any connection's forwarded call is refused", async () => {
  const { url, httpUrl } = await edgeWith({ CLAWDBOT_MAX_INFLIGHT_PER_EDGE: "2" });
  const { client: a } = await RawClient.connect(url, { token: stack.token });
  const { client: b } = await RawClient.connect(url, { token: stack.token });
  void hold(a, `run-${randomUUID()}`).catch(() => undefined);
  // Answered after a short wait: then the edge has room again.
  const short = hold(a, `run-${randomUUID()}`, 3_000);
  // Behind A's two calls on A's own socket, so both are in flight when it is read.
  const refusal = { ok: false, error: { code: "UNAVAILABLE", retryable: true, retryAfterMs: 250, details: { limit: "inflight_per_edge", max: 2 } } };
  expect(await a.request("sessions.list", { limit: 1 })).toMatchObject(refusal);
  const refused = await b.request("sessions.list", { limit: 1 });
  expect(refused).toMatchObject(refusal);
  expect((refused.error as { message: string }).message).toMatch(/too many calls in flight \(limit 2\)/);
  expect(await b.request("status")).toMatchObject({ ok: true });
  expect(await short).toMatchObject({ ok: true, payload: { status: "timeout" } });
  expect(await b.request("sessions.list", { limit: 1 })).toMatchObject({ ok: true });
  expect(await metric(httpUrl, 'clawdbot_edge_limit_rejections_total{limit="inflight_per_edge"}')).toBe(2);
  a.close();
  b.close();
}, 60_000);

test("WebSockets per client address (CLAWDBOT_MAX_CONNECTIONS_PER_IP): the one past the limit is closed 1008; loopback is exempt", async () => {
  const { url, httpUrl } = await stack.startEdge({ CLAWDBOT_MAX_CONNECTIONS_PER_IP: "2", CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "127.0.0.1" });
  // The test connects from loopback, as a trusted proxy: X-Forwarded-For names the client.
  const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
  const first = await RawClient.connect(url, { token: stack.token }, from("203.0.113.7"));
  const second = await RawClient.connect(url, { token: stack.token }, from("203.0.113.7"));
  expect(first.hello).toMatchObject({ ok: true });
  const third = await RawClient.open(url, from("203.0.113.7"));
  expect(await third.closed).toEqual({ code: 1008, reason: "too many connections from this address" });
  // Another address, and loopback itself (any number), are not affected.
  expect((await RawClient.connect(url, { token: stack.token }, from("198.51.100.20"))).hello).toMatchObject({ ok: true });
  const local = await Promise.all([0, 1, 2].map(() => RawClient.connect(url, { token: stack.token })));
  expect(local.every((l) => l.hello.ok === true)).toBe(true);
  // A closed socket gives its slot back.
  first.client.close();
  await first.client.closed;
  await waitFor(async () => {
    const again = await RawClient.open(url, from("203.0.113.7"));
    const outcome = await Promise.race([again.closed.then(() => "closed"), again.next((f) => f.event === "connect.challenge").then(() => "open")]);
    again.close();
    return outcome === "open";
  });
  expect(await metric(httpUrl, 'clawdbot_edge_limit_rejections_total{limit="connections_per_ip"}')).toBeGreaterThanOrEqual(1);
  second.client.close();
  for (const l of local) l.client.close();
}, 60_000);

test("NATS down: a forwarded call is answered UNAVAILABLE retryable at once (not at the 60 s request timeout); cached answers go on", async () => {
  const ownNats = await startNatsServer();
  const own = new Stack({ natsUrl: ownNats.url, env: { CLAWDBOT_REQUEST_TIMEOUT_MS: "60000", CLAWDBOT_DRAIN_TIMEOUT_MS: "500" } });
  try {
    const { url, httpUrl } = await own.startEdge();
    const { client } = await RawClient.connect(url, { token: own.token });
    await ownNats.halt();
    await waitFor(async () => ((await (await fetch(`${httpUrl}/readyz`)).json()) as { nats: boolean }).nats === false, { timeoutMs: 20_000 });
    // Well inside the 60 s the edge would otherwise wait for a reply.
    const res = await client.request("sessions.list", { limit: 1 }, 20_000);
    expect(res).toMatchObject({
      ok: false,
      error: { code: "UNAVAILABLE", retryable: true, retryAfterMs: 1_000, details: { reason: "nats_unreachable", method: "sessions.list" } },
    });
    expect((res.error as { message: string }).message).toMatch(/NATS\) is unreachable/);
    // Edge-local methods that need NATS fail the same way; the ones from cached views answer.
    expect(await client.request("device.pair.list", {}, 20_000)).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", details: { reason: "nats_unreachable" } } });
    expect(await client.request("health", { probe: true }, 20_000)).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", details: { reason: "nats_unreachable" } } });
    expect(await client.request("health")).toMatchObject({ ok: true });
    expect(await client.request("system-presence")).toMatchObject({ ok: true });
    // Back up: calls reach NATS again (no service runs here, so NATS itself answers "no responders").
    await ownNats.restart();
    await waitFor(async () => {
      const again = await client.request("sessions.list", { limit: 1 }, 20_000);
      return (again.error as { details?: { reason?: string } } | undefined)?.details?.reason !== "nats_unreachable";
    }, { timeoutMs: 30_000 });
    client.close();
  } finally {
    await own.stop();
    await ownNats.stop();
  }
}, 120_000);
