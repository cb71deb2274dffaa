import { GatewayError } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import type { Connection } from "./connection.js";
import { Broadcaster } from "./fanout.js";
import { CallLimits } from "./limits.js";
import { EdgeMetrics } from "./metrics.js";

function samples(metrics: EdgeMetrics): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.registry.render().split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** A handshaken client as the broadcaster sees it, with a settable queue. */
function client(bufferedAmount: number): { conn: Connection; received: string[]; closes: number } {
  const state = { received: [] as string[], closes: 0 };
  const conn = {
    state: "open",
    role: "operator",
    scopes: ["operator.read"],
    bufferedAmount,
    dialect: { name: "native", eventText: (event: string) => event },
    sendRaw: (text: string) => (state.received.push(text), true),
    close: () => void state.closes++,
  } as unknown as Connection;
  return { conn, get received() { return state.received; }, get closes() { return state.closes; } };
}

describe("EdgeMetrics", () => {
  test("labels calls by method, outcome and kind; unknown methods and codes count as other", () => {
    const metrics = new EdgeMetrics({ connections: () => [], servesMethod: (m) => m === "plugin.echo" });
    metrics.callAnswered("sessions.list", "forward", { ok: true, result: {} }, 3);
    metrics.callAnswered("sessions.list", "forward", { ok: true, result: {} }, 2_000);
    metrics.callAnswered("plugin.echo", "forward", { ok: false, error: new GatewayError("WEIRD_CODE", "x", { kind: "internal" }) }, 1);
    metrics.callAnswered("x".repeat(300), "deny", { ok: false, error: new GatewayError("INVALID_REQUEST", "unknown", { kind: "methodNotFound" }) }, 0);
    metrics.callAnswered("health", "local", { ok: true, result: {} }, 0.2);
    const s = samples(metrics);
    expect(s.get('clawdbot_edge_calls_total{method="sessions.list",outcome="ok",kind="ok"}')).toBe(2);
    expect(s.get('clawdbot_edge_calls_total{method="plugin.echo",outcome="other",kind="internal"}')).toBe(1);
    expect(s.get('clawdbot_edge_calls_total{method="other",outcome="INVALID_REQUEST",kind="methodNotFound"}')).toBe(1);
    expect(s.get('clawdbot_edge_calls_total{method="health",outcome="ok",kind="ok"}')).toBe(1);
    // Refusals are counted, not timed.
    expect(s.get('clawdbot_edge_call_duration_seconds_count{route="forward"}')).toBe(3);
    expect(s.get('clawdbot_edge_call_duration_seconds_count{route="local"}')).toBe(1);
    expect(s.get('clawdbot_edge_call_duration_seconds_bucket{route="forward",le="0.005"}')).toBe(2);
    expect(s.get('clawdbot_edge_call_duration_seconds_bucket{route="forward",le="1"}')).toBe(2);
    expect(s.get('clawdbot_edge_call_duration_seconds_bucket{route="forward",le="2.5"}')).toBe(3);
  });

  test("counts open connections by dialect at scrape time", () => {
    const conns = [
      { state: "open", dialect: { name: "native" } },
      { state: "open", dialect: { name: "jsonrpc" } },
      { state: "handshake", dialect: { name: "native" } },
      { state: "open", dialect: { name: "native" } },
    ];
    const metrics = new EdgeMetrics({ connections: () => conns, servesMethod: () => false });
    let s = samples(metrics);
    expect(s.get('clawdbot_edge_connections{dialect="native"}')).toBe(2);
    expect(s.get('clawdbot_edge_connections{dialect="jsonrpc"}')).toBe(1);
    conns.length = 0;
    s = samples(metrics);
    expect(s.get('clawdbot_edge_connections{dialect="native"}')).toBe(0);
  });

  test("the broadcaster reports delivered and dropped events, and each slow client's close once", () => {
    const metrics = new EdgeMetrics({ connections: () => [], servesMethod: () => false });
    const fast = client(0);
    const slow = client(10_000);
    const broadcaster = new Broadcaster(new Map([["fast", fast.conn], ["slow", slow.conn]]), 1024, metrics);
    broadcaster.broadcast("tick", {}, { dropIfSlow: true });
    broadcaster.broadcast("tick", {}, { dropIfSlow: true });
    broadcaster.broadcast("my.custom.event", {}, { dropIfSlow: true });
    broadcaster.broadcast("chat", {});
    broadcaster.broadcast("chat", {}); // the slow client is still open until its socket closes
    const s = samples(metrics);
    expect(s.get('clawdbot_edge_events_delivered_total{event="tick"}')).toBe(2);
    expect(s.get('clawdbot_edge_events_dropped_total{event="tick"}')).toBe(2);
    expect(s.get('clawdbot_edge_events_dropped_total{event="other"}')).toBe(1);
    expect(s.get('clawdbot_edge_events_delivered_total{event="chat"}')).toBe(2);
    expect(slow.closes).toBe(2);
    expect(s.get("clawdbot_edge_slow_consumer_closes_total")).toBe(1);
    expect(fast.received).toEqual(["tick", "tick", "my.custom.event", "chat", "chat"]);
  });

  test("handshakes by dialect, refusals by stage and code", () => {
    const metrics = new EdgeMetrics({ connections: () => [], servesMethod: () => false });
    metrics.handshakeAccepted("jsonrpc");
    metrics.handshakeRefused("upgrade", 401);
    metrics.handshakeRefused("connect", 1008);
    metrics.handshakeRefused("connect", 1008);
    const s = samples(metrics);
    expect(s.get('clawdbot_edge_handshakes_accepted_total{dialect="jsonrpc"}')).toBe(1);
    expect(s.get('clawdbot_edge_handshakes_refused_total{stage="upgrade",code="401"}')).toBe(1);
    expect(s.get('clawdbot_edge_handshakes_refused_total{stage="connect",code="1008"}')).toBe(2);
  });

  test("limit refusals by limit, and calls in flight read from the edge's CallLimits at scrape time", () => {
    const metrics = new EdgeMetrics({ connections: () => [], servesMethod: () => false });
    const limits = new CallLimits({ maxInflightPerConnection: 1, maxInflightPerEdge: 0, maxConnectionsPerIp: 0 }, metrics);
    limits.callStarted(true);
    limits.callStarted(false);
    limits.refuseForward(1);
    metrics.limitRejected("connections_per_ip");
    metrics.limitRejected("connections_per_ip");
    const s = samples(metrics);
    expect(s.get('clawdbot_edge_limit_rejections_total{limit="inflight_per_conn"}')).toBe(1);
    expect(s.get('clawdbot_edge_limit_rejections_total{limit="connections_per_ip"}')).toBe(2);
    expect(s.get('clawdbot_edge_calls_in_flight{route="forward"}')).toBe(1);
    expect(s.get('clawdbot_edge_calls_in_flight{route="all"}')).toBe(2);
  });
});
