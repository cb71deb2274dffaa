import { describe, expect, test } from "vitest";
import { BASE_METHODS, EXTRA_METHODS, methods } from "./methods/index.js";
import { isRoutableMethod, natsNames } from "./subjects.js";

describe("natsNames - subjects under one prefix", () => {
  const s = natsNames("t1");

  test("rpc subjects and the wildcard an edge-side tool would use", () => {
    expect(s.prefix).toBe("t1");
    expect(s.rpc("sessions.list")).toBe("t1.rpc.sessions.list");
    expect(s.rpc("health")).toBe("t1.rpc.health");
    expect(s.rpc("system-presence")).toBe("t1.rpc.system-presence");
    expect(s.rpc("exec.approvals.node.get")).toBe("t1.rpc.exec.approvals.node.get");
    expect(s.rpcWildcard).toBe("t1.rpc.>");
  });

  test("event, edge, internal, inbox and registry names", () => {
    expect(s.event("presence")).toBe("t1.evt.presence");
    expect(s.eventWildcard).toBe("t1.evt.>");
    expect(s.edge("edge-1")).toBe("t1.edge.edge-1");
    expect(s.edge("edge-1", "conn-9", "res")).toBe("t1.edge.edge-1.conn-9.res");
    expect(s.edgeWildcard("edge-1")).toBe("t1.edge.edge-1.>");
    expect(s.internal("sessions.touch")).toBe("t1.internal.sessions.touch");
    expect(s.inbox("abc")).toBe("_INBOX.t1.abc");
    expect(s.registryBucket).toBe("t1_registry");
  });

  test("session-manager streams, buckets and transcript subjects", () => {
    expect(s.sessionsBucket).toBe("t1_sessions");
    expect(s.transcriptsStream).toBe("t1_transcripts");
    expect(s.transcript("abc-123")).toBe("t1.transcript.abc-123");
    expect(s.transcriptWildcard).toBe("t1.transcript.>");
    expect(s.runsBucket).toBe("t1_runs");
    expect(s.dedupeBucket).toBe("t1_dedupe");
    expect(s.runResultsBucket).toBe("t1_run_results");
  });

  test("the default prefix is gw", () => {
    const d = natsNames();
    expect(d.prefix).toBe("gw");
    expect(d.rpc("sessions.list")).toBe("gw.rpc.sessions.list");
    expect(d.registryBucket).toBe("gw_registry");
  });

  test("two prefixes never produce overlapping subjects", () => {
    const a = natsNames("a");
    const b = natsNames("b");
    expect(a.rpc("health")).not.toBe(b.rpc("health"));
    expect(a.rpcWildcard).not.toBe(b.rpcWildcard);
    expect(a.registryBucket).not.toBe(b.registryBucket);
  });

  test.each(["gw", "t123", "my-prefix_2", "A", "0"])("accepts the prefix %j", (prefix) => {
    expect(() => natsNames(prefix)).not.toThrow();
  });

  test.each(["a.b", "gw.", ".gw", "a b", " gw", "*", ">", "gw.>", "a*", "", "gw\n", "gw/x", "ü"])(
    "refuses the prefix %j",
    (prefix) => {
      expect(() => natsNames(prefix)).toThrow(/invalid NATS prefix/);
    },
  );
});

describe("natsNames - unroutable method names are refused", () => {
  const s = natsNames("t1");

  test.each(["a..b", "a.*", "*", ">", "a.>", "a b", " health", "health ", "", ".a", "a.", "tab\there", "a\nb", "a/b"])(
    "rpc(%j) throws",
    (method) => {
      expect(() => s.rpc(method)).toThrow(/not routable/);
      expect(isRoutableMethod(method)).toBe(false);
    },
  );

  test("names over 200 characters are refused, 200 is fine", () => {
    expect(isRoutableMethod("a".repeat(200))).toBe(true);
    expect(isRoutableMethod("a".repeat(201))).toBe(false);
    expect(() => s.rpc("a".repeat(201))).toThrow(/not routable/);
  });
});

describe("isRoutableMethod - every method the protocol knows can travel as a subject", () => {
  test("base, extra and registry methods", () => {
    for (const method of [...BASE_METHODS, ...EXTRA_METHODS, ...Object.keys(methods), "web.login.start", "web.login.wait"]) {
      expect([method, isRoutableMethod(method)]).toEqual([method, true]);
    }
  });

  test("plugin-style names with dashes, underscores and digits", () => {
    for (const method of ["my_plugin.do-thing", "v2.call", "x", "a.b.c.d.e"]) expect(isRoutableMethod(method)).toBe(true);
  });
});
