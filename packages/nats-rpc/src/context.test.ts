import { headers } from "nats";
import { describe, expect, test } from "vitest";
import { type CallerContext, ContextHeaders, contextFromHeaders, contextToHeaders } from "./context.js";

describe("context headers - the caller's context as NATS headers", () => {
  test("every field round-trips", () => {
    const context: CallerContext = {
      requestId: "req-1",
      connId: "conn-1",
      edgeId: "edge-1",
      clientId: "openclaw-ios",
      clientMode: "ui",
      role: "operator",
      scopes: ["operator.read", "operator.pairing"],
      deadline: 1_737_000_000_000,
    };
    expect(contextFromHeaders(contextToHeaders(context), "fallback")).toStrictEqual(context);
  });

  test("uses the documented header names, and only for fields that are set", () => {
    const full = contextToHeaders({
      requestId: "r",
      connId: "c",
      edgeId: "e",
      clientId: "cli",
      clientMode: "cli",
      role: "node",
      scopes: ["a", "b"],
      deadline: 5,
    });
    expect(Object.fromEntries([...full.keys()].map((k) => [k, full.get(k)]))).toEqual({
      "Gw-Request-Id": "r",
      "Gw-Conn-Id": "c",
      "Gw-Edge-Id": "e",
      "Gw-Client-Id": "cli",
      "Gw-Client-Mode": "cli",
      "Gw-Role": "node",
      "Gw-Scopes": "a,b",
      "Gw-Deadline": "5",
    });
    expect([...contextToHeaders({ requestId: "r" }).keys()]).toEqual([ContextHeaders.requestId]);
  });

  test("an empty scope list stays an empty list; absent scopes stay absent", () => {
    expect(contextFromHeaders(contextToHeaders({ requestId: "r", scopes: [] }), "f").scopes).toEqual([]);
    expect(contextFromHeaders(contextToHeaders({ requestId: "r" }), "f")).not.toHaveProperty("scopes");
  });

  test("a scope with a comma in it cannot turn into extra scopes on the service side", () => {
    // The edge authorizes against the literal strings; "operator.read,operator.admin" grants
    // nothing there, so it must not become ["operator.read", "operator.admin"] in a service.
    const context = contextFromHeaders(
      contextToHeaders({ requestId: "r", scopes: ["operator.read,operator.admin", "operator.write"] }),
      "f",
    );
    expect(context.scopes).toEqual(["operator.write"]);
    expect(context.scopes).not.toContain("operator.admin");
  });

  test("no headers, or no request id, falls back to the envelope's id", () => {
    expect(contextFromHeaders(undefined, "from-envelope")).toStrictEqual({ requestId: "from-envelope" });
    const h = headers();
    h.set(ContextHeaders.role, "operator");
    expect(contextFromHeaders(h, "from-envelope")).toStrictEqual({ requestId: "from-envelope", role: "operator" });
  });

  test.each(["abc", "0", "-5", "NaN", "Infinity"])("an unusable deadline header %j is dropped", (value) => {
    const h = headers();
    h.set(ContextHeaders.requestId, "r");
    h.set(ContextHeaders.deadline, value);
    expect(contextFromHeaders(h, "f")).toStrictEqual({ requestId: "r" });
  });
});
