import { describe, expect, test } from "vitest";
import { AddressConnections, CallLimits, type LimitName, drainDeadlineError } from "./limits.js";

function observer(): { rejected: LimitName[]; limitRejected: (limit: LimitName) => void } {
  const rejected: LimitName[] = [];
  return { rejected, limitRejected: (limit) => void rejected.push(limit) };
}

describe("CallLimits", () => {
  test("refuses the call past a connection's limit, UNAVAILABLE retryable with the limit in details", () => {
    const seen = observer();
    const limits = new CallLimits({ maxInflightPerConnection: 2, maxInflightPerEdge: 0, maxConnectionsPerIp: 0 }, seen);
    expect(limits.refuseForward(0)).toBeUndefined();
    expect(limits.refuseForward(1)).toBeUndefined();
    const refusal = limits.refuseForward(2)!;
    expect(refusal.toShape()).toEqual({
      code: "UNAVAILABLE",
      message: "too many calls in flight on this connection (limit 2)",
      details: { limit: "inflight_per_conn", max: 2 },
      retryable: true,
      retryAfterMs: 250,
    });
    expect(refusal.toJsonRpc()).toMatchObject({ code: -32000, data: { code: "UNAVAILABLE", retryable: true } });
    expect(seen.rejected).toEqual(["inflight_per_conn"]);
  });

  test("refuses past the edge's limit, counting only forwarded calls; 0 is no limit", () => {
    const seen = observer();
    const limits = new CallLimits({ maxInflightPerConnection: 0, maxInflightPerEdge: 2, maxConnectionsPerIp: 0 }, seen);
    limits.callStarted(true);
    limits.callStarted(false);
    expect(limits.refuseForward(10_000)).toBeUndefined();
    limits.callStarted(true);
    expect(limits.refuseForward(0)?.toShape()).toMatchObject({ code: "UNAVAILABLE", details: { limit: "inflight_per_edge", max: 2 }, retryable: true });
    limits.callFinished(true);
    expect(limits.refuseForward(0)).toBeUndefined();
    expect(seen.rejected).toEqual(["inflight_per_edge"]);
    expect({ forwarding: limits.forwarding, pending: limits.pending }).toEqual({ forwarding: 1, pending: 2 });
  });

  test("the drain deadline's answer is UNAVAILABLE retryable", () => {
    expect(drainDeadlineError(1_000).toShape()).toMatchObject({ code: "UNAVAILABLE", retryable: true, details: { reason: "edge_stopping" } });
  });
});

describe("AddressConnections", () => {
  test("holds each address to its limit and gives slots back on close", () => {
    const seen = observer();
    const open = new AddressConnections(2, seen);
    expect(open.tryOpen("203.0.113.7")).toBe(true);
    expect(open.tryOpen("203.0.113.7")).toBe(true);
    expect(open.tryOpen("203.0.113.7")).toBe(false);
    expect(open.tryOpen("198.51.100.1")).toBe(true);
    open.closed("203.0.113.7");
    expect(open.tryOpen("203.0.113.7")).toBe(true);
    expect(seen.rejected).toEqual(["connections_per_ip"]);
  });

  test("loopback is exempt, and 0 is no limit", () => {
    const open = new AddressConnections(1, observer());
    for (let i = 0; i < 5; i++) expect(open.tryOpen(i % 2 ? "127.0.0.1" : "::1")).toBe(true);
    const unlimited = new AddressConnections(0, observer());
    for (let i = 0; i < 5; i++) expect(unlimited.tryOpen("203.0.113.7")).toBe(true);
    expect(unlimited.count("203.0.113.7")).toBe(0);
  });
});
