import { describe, expect, test } from "vitest";
import { readRequestFrame, routeCall, v4ParamsError } from "./calls.js";
import type { EdgeContext } from "./edge-context.js";

// Method rules per negotiated version (protocol-v4-delta §5, §7).
const edge = { registry: { announcedAccess: () => undefined }, localMethods: new Map([["health", () => ({})]]) } as unknown as EdgeContext;
const reader = ["operator.read"];

describe("routeCall per version", () => {
  test("a missing scope: INVALID_REQUEST for v3, FORBIDDEN + MISSING_SCOPE for v4", () => {
    const v3 = routeCall(edge, "operator", reader, "chat.send", 3);
    expect(v3).toMatchObject({ kind: "deny", error: { code: "INVALID_REQUEST", message: "missing scope: operator.write" } });
    const v4 = routeCall(edge, "operator", reader, "chat.send", 4);
    expect(v4).toMatchObject({
      kind: "deny",
      error: { code: "FORBIDDEN", message: "missing scope: operator.write", details: { code: "MISSING_SCOPE", missingScope: "operator.write", requiredScopes: ["operator.write"] } },
    });
  });

  test("moved scopes: config.get and sessions.resolve are read for v4, admin for v3", () => {
    for (const method of ["config.get", "config.schema", "sessions.resolve"]) {
      expect(routeCall(edge, "operator", reader, method, 3)).toMatchObject({ kind: "deny", error: { message: "missing scope: operator.admin" } });
      expect(routeCall(edge, "operator", reader, method, 4)).toEqual({ kind: "forward" });
    }
    expect(routeCall(edge, "operator", ["operator.write"], "poll", 4)).not.toMatchObject({ kind: "deny", error: { code: "FORBIDDEN" } });
  });

  test("health: any v4 connection, nodes included; v3 nodes are refused as before", () => {
    expect(routeCall(edge, "node", [], "health", 4)).toEqual({ kind: "local" });
    expect(routeCall(edge, "node", [], "health", 3)).toMatchObject({ kind: "deny", error: { message: "unauthorized role: node" } });
  });

  test("methods v4 removed are unknown to v4 admins and kept for v3", () => {
    const admin = ["operator.admin"];
    expect(routeCall(edge, "operator", admin, "node.pair.request", 4)).toMatchObject({ kind: "deny", error: { message: "unknown method: node.pair.request" } });
    expect(routeCall(edge, "operator", ["operator.pairing"], "node.pair.request", 3)).not.toMatchObject({ error: { message: "missing scope: operator.pairing" } });
  });

  test("params v4 removed are refused for v4 only", () => {
    const params = { message: "m", idempotencyKey: "k", spawnedBy: "x" };
    expect(routeCall(edge, "operator", ["operator.write"], "agent", 4, params)).toMatchObject({
      kind: "deny",
      error: { code: "INVALID_REQUEST", message: "invalid agent params: at root: unexpected property 'spawnedBy'" },
    });
    expect(routeCall(edge, "operator", ["operator.write"], "agent", 3, params)).toEqual({ kind: "forward" });
    expect(v4ParamsError("cron.add", { isolation: "x" })?.message).toBe("invalid cron.add params: at root: unexpected property 'isolation'");
    expect(v4ParamsError("agent", { message: "m" })).toBeNull();
  });
});

describe("readRequestFrame per version", () => {
  const frame = { type: "req", id: "1", method: "health", traceparent: "00-a-b-01" };
  test("v4 frames may carry traceparent; v3 frames may not", () => {
    expect(readRequestFrame(frame, 4)).toEqual({ id: "1", method: "health", params: undefined });
    expect(readRequestFrame(frame, 3)).toMatchObject({ id: "1", error: { code: "INVALID_REQUEST" } });
    expect(readRequestFrame({ ...frame, traceparent: "x".repeat(129) }, 4)).toMatchObject({ error: { code: "INVALID_REQUEST" } });
  });
});
