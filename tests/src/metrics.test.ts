import { publishEvent } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { type AppProcess, type LogLine, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Stack } from "./stack.js";

/** One scrape: every sample by its series as written (`name{label="v",…}`). */
type Samples = Map<string, number>;

let nats: NatsServer;
let nc: NatsConnection;
let stack: Stack;
let sessionManager: AppProcess;
let serviceMetricsUrl: string;
let edge: AppProcess;
let url: string;
let httpUrl: string;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_LOG_LEVEL: "debug" } });
  sessionManager = await stack.start("session-manager", { CLAWDBOT_METRICS_PORT: "0" });
  const listening = await sessionManager.waitForLog((l) => l.msg === "metrics listening");
  serviceMetricsUrl = listening.metrics as string;
  ({ edge, url, httpUrl } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nc?.close();
  await nats?.stop();
});

async function scrape(metricsUrl: string): Promise<Samples> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const samples: Samples = new Map();
  for (const line of (await res.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** How much each named series moved between two scrapes (a series absent before counts from 0). */
function delta(before: Samples, after: Samples, series: string): number {
  return (after.get(series) ?? 0) - (before.get(series) ?? 0);
}

const calls = (method: string, outcome: string, kind: string) => `clawdbot_edge_calls_total{method="${method}",outcome="${outcome}",kind="${kind}"}`;

describe("edge /metrics", () => {
  test("counts connections, handshakes, calls by method and outcome, and call latency by route", async () => {
    const before = await scrape(`${httpUrl}/metrics`);
    const admin = (await RawClient.connect(url, { token: stack.token })).client;
    const reader = (await RawClient.connect(url, { token: stack.token, scopes: ["operator.read"] })).client;
    const refused = (await RawClient.connect(url, { token: "wrong" })).client;
    await refused.closed;

    expect((await admin.request("sessions.list", {})).ok).toBe(true); // forwarded, ok
    expect((await admin.request("sessions.list", { limit: 0, bogus: true })).error).toMatchObject({ code: "INVALID_REQUEST" }); // forwarded, invalid params
    expect((await admin.request("status", {})).ok).toBe(true); // edge-local
    expect((await admin.request("no.such.method", {})).error).toMatchObject({ message: "unknown method: no.such.method" });
    expect((await admin.request("another.unknown", {})).error).toMatchObject({ code: "INVALID_REQUEST" });
    expect((await reader.request("config.get", {})).error).toEqual({ code: "INVALID_REQUEST", message: "missing scope: operator.admin" });

    const during = await scrape(`${httpUrl}/metrics`);
    expect(during.get('clawdbot_edge_connections{dialect="native"}')).toBe(2);
    expect(during.get('clawdbot_edge_connections{dialect="jsonrpc"}')).toBe(0);
    expect(delta(before, during, 'clawdbot_edge_handshakes_accepted_total{dialect="native"}')).toBe(2);
    // A wrong token at connect: closed 1008 (spec §4.1).
    expect(delta(before, during, 'clawdbot_edge_handshakes_refused_total{stage="connect",code="1008"}')).toBe(1);

    expect(delta(before, during, calls("sessions.list", "ok", "ok"))).toBe(1);
    expect(delta(before, during, calls("sessions.list", "INVALID_REQUEST", "invalidParams"))).toBe(1);
    expect(delta(before, during, calls("status", "ok", "ok"))).toBe(1);
    // Unknown method names are not labels of their own: they all count as `other`.
    expect(delta(before, during, calls("other", "INVALID_REQUEST", "methodNotFound"))).toBe(2);
    expect([...during.keys()].some((k) => k.includes("no.such.method"))).toBe(false);
    expect(delta(before, during, calls("config.get", "INVALID_REQUEST", "forbidden"))).toBe(1);

    expect(delta(before, during, 'clawdbot_edge_call_duration_seconds_count{route="forward"}')).toBe(2);
    expect(delta(before, during, 'clawdbot_edge_call_duration_seconds_count{route="local"}')).toBe(1);
    expect(delta(before, during, 'clawdbot_edge_call_duration_seconds_bucket{route="forward",le="+Inf"}')).toBe(2);
    expect(during.get("clawdbot_nats_connected")).toBe(1);
    expect(during.get("clawdbot_nats_disconnects_total")).toBe(0);

    admin.close();
    reader.close();
    await Promise.all([admin.closed, reader.closed]);
    const after = await waitFor(async () => {
      const s = await scrape(`${httpUrl}/metrics`);
      return s.get('clawdbot_edge_connections{dialect="native"}') === 0 ? s : undefined;
    });
    expect(after.get('clawdbot_edge_connections{dialect="native"}')).toBe(0);
  });

  test("an upgrade refused for a wrong bearer token is counted by HTTP status", async () => {
    const before = await scrape(`${httpUrl}/metrics`);
    await expect(RawClient.open(url, { headers: { authorization: "Bearer wrong" } })).rejects.toThrow(/HTTP 401/);
    const after = await scrape(`${httpUrl}/metrics`);
    expect(delta(before, after, 'clawdbot_edge_handshakes_refused_total{stage="upgrade",code="401"}')).toBe(1);
  });

  test("a forwarded call's request id is in the edge's log line for its outcome and in the service's handler log", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    expect((await client.request("sessions.list", { limit: 1 })).ok).toBe(true);
    client.close();
    const edgeLine = await edge.waitForLog((l: LogLine) => l.msg === "call answered" && l.method === "sessions.list" && l.route === "forward");
    const requestId = edgeLine.requestId as string;
    expect(requestId).toMatch(/^edge-[0-9a-f]+-[0-9a-z]+$/);
    expect(edgeLine).toMatchObject({ outcome: "ok", service: "gateway-edge" });
    const serviceLine = await sessionManager.waitForLog((l: LogLine) => l.msg === "call answered" && l.requestId === requestId);
    expect(serviceLine).toMatchObject({ method: "sessions.list", outcome: "ok", service: "session-manager" });
  });

  test("CLAWDBOT_METRICS=0 turns /metrics off", async () => {
    const quiet = await stack.startEdge({ CLAWDBOT_METRICS: "0" });
    expect((await fetch(`${quiet.httpUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${quiet.httpUrl}/healthz`)).status).toBe(200);
  });
});

describe("edge fan-out metrics", () => {
  test("droppable events a slow client misses are counted as dropped, and a slow-consumer close once", async () => {
    // One byte of queue: any second frame for the client within one loop turn finds it "slow".
    const slow = await stack.startEdge({ CLAWDBOT_MAX_BUFFERED_BYTES: "1" });
    const metricsUrl = `${slow.httpUrl}/metrics`;
    const { client } = await RawClient.connect(slow.url, { token: stack.token });
    const names = natsNames(stack.prefix);
    const before = await scrape(metricsUrl);
    const burst = 200;
    for (let i = 0; i < burst; i++) publishEvent(nc, names, "heartbeat", { n: i }, { dropIfSlow: true });
    await nc.flush();
    const counted = await waitFor(async () => {
      const s = await scrape(metricsUrl);
      const seen = delta(before, s, 'clawdbot_edge_events_delivered_total{event="heartbeat"}') + delta(before, s, 'clawdbot_edge_events_dropped_total{event="heartbeat"}');
      return seen === burst ? s : undefined;
    }, { message: "the edge did not account for every heartbeat" });
    const delivered = delta(before, counted, 'clawdbot_edge_events_delivered_total{event="heartbeat"}');
    const dropped = delta(before, counted, 'clawdbot_edge_events_dropped_total{event="heartbeat"}');
    // A burst read from NATS in one pass meets the corked bytes of its own first frame.
    expect(dropped).toBeGreaterThan(0);
    await waitFor(() => client.frames.filter((f) => f.event === "heartbeat").length === delivered);
    expect(client.frames.filter((f) => f.event === "heartbeat")).toHaveLength(delivered);
    expect(delta(before, counted, "clawdbot_edge_slow_consumer_closes_total")).toBe(0);

    // The same burst, not droppable: the client is closed 1008, and counted once.
    for (let i = 0; i < 20; i++) publishEvent(nc, names, "heartbeat", { n: i });
    await nc.flush();
    expect(await client.closed).toEqual({ code: 1008, reason: "slow consumer" });
    const after = await waitFor(async () => {
      const s = await scrape(metricsUrl);
      return s.get('clawdbot_edge_connections{dialect="native"}') === 0 ? s : undefined;
    });
    expect(delta(before, after, "clawdbot_edge_slow_consumer_closes_total")).toBe(1);
  });
});

describe("service metrics (CLAWDBOT_METRICS_PORT)", () => {
  test("the session-manager counts its calls by method and outcome, with a handler latency histogram", async () => {
    expect(serviceMetricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const before = await scrape(serviceMetricsUrl);
    const { client } = await RawClient.connect(url, { token: stack.token });
    expect((await client.request("sessions.list", {})).ok).toBe(true);
    expect((await client.request("sessions.list", {})).ok).toBe(true);
    expect((await client.request("sessions.list", { bogus: 1 })).ok).toBe(false);
    expect((await client.request("status", {})).ok).toBe(true); // answered by the edge: not the service's
    client.close();
    const after = await scrape(serviceMetricsUrl);
    expect(delta(before, after, 'clawdbot_rpc_calls_total{method="sessions.list",outcome="ok",kind="ok"}')).toBe(2);
    expect(delta(before, after, 'clawdbot_rpc_calls_total{method="sessions.list",outcome="INVALID_REQUEST",kind="invalidParams"}')).toBe(1);
    expect(delta(before, after, 'clawdbot_rpc_handler_duration_seconds_count{method="sessions.list"}')).toBe(3);
    expect(delta(before, after, 'clawdbot_rpc_handler_duration_seconds_bucket{method="sessions.list",le="+Inf"}')).toBe(3);
    expect([...after.keys()].some((k) => k.includes('method="status"'))).toBe(false);
    expect(after.get("clawdbot_nats_connected")).toBe(1);
    expect(after.get("process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  test("a CLAWDBOT_METRICS_PORT that is not a port stops the service with a clear fatal line", async () => {
    const bad = await stack.start("session-manager", { CLAWDBOT_METRICS_PORT: "nope" }).catch((err: unknown) => err);
    expect(String(bad)).toMatch(/CLAWDBOT_METRICS_PORT must be a port number/);
  });
});

// Last: it restarts the nats-server under everything above.
describe("NATS connection metrics", () => {
  test("a nats-server restart counts one disconnect and one reconnect on the edge and on the service", async () => {
    const edgeBefore = await scrape(`${httpUrl}/metrics`);
    const serviceBefore = await scrape(serviceMetricsUrl);
    await nats.restart();
    for (const [metricsUrl, before] of [[`${httpUrl}/metrics`, edgeBefore], [serviceMetricsUrl, serviceBefore]] as const) {
      const after = await waitFor(
        async () => {
          const s = await scrape(metricsUrl);
          return delta(before, s, "clawdbot_nats_reconnects_total") >= 1 && s.get("clawdbot_nats_connected") === 1 ? s : undefined;
        },
        { timeoutMs: 20_000, message: `${metricsUrl} never counted the reconnect` },
      );
      expect(delta(before, after, "clawdbot_nats_disconnects_total")).toBe(1);
      expect(delta(before, after, "clawdbot_nats_reconnects_total")).toBe(1);
    }
  });
});
