import { describe, expect, test } from "vitest";
import { type MethodAccess, SCOPES, authorize, defaultScopes, methodAccess } from "./scopes.js";

// The method classes exactly as spec §4.6 lists them, written out here rather than imported so a
// change to the implementation's tables cannot silently change what the tests expect.
const NODE_ONLY = ["node.invoke.result", "node.event", "skills.bins"];
const APPROVALS = ["exec.approval.request", "exec.approval.resolve"];
const PAIRING = [
  "node.pair.request", "node.pair.list", "node.pair.approve", "node.pair.reject", "node.pair.verify",
  "device.pair.list", "device.pair.approve", "device.pair.reject", "device.token.rotate", "device.token.revoke",
  "node.rename",
];
const READ = [
  "health", "logs.tail", "channels.status", "status", "usage.status", "usage.cost", "tts.status", "tts.providers",
  "models.list", "agents.list", "agent.identity.get", "skills.status", "voicewake.get", "sessions.list",
  "sessions.preview", "cron.list", "cron.status", "cron.runs", "system-presence", "last-heartbeat", "node.list",
  "node.describe", "chat.history",
];
const WRITE = [
  "send", "agent", "agent.wait", "wake", "talk.mode", "tts.enable", "tts.disable", "tts.convert", "tts.setProvider",
  "voicewake.set", "node.invoke", "chat.send", "chat.abort", "browser.request",
];
const ADMIN = [
  "config.get", "config.set", "config.apply", "config.patch", "config.schema", "wizard.start", "wizard.next",
  "update.run", "exec.approvals.get", "exec.approvals.set", "exec.approvals.node.get", "channels.logout",
  "skills.install", "skills.update", "cron.add", "cron.update", "cron.remove", "cron.run", "sessions.patch",
  "sessions.reset", "sessions.delete", "sessions.compact", "sessions.resolve", "system-event", "set-heartbeats",
  "chat.inject", "poll", "web.login.start", "web.login.wait", "connect",
];
const UNKNOWN = ["no.such.method", "health.extra", "HEALTH", "plugin.custom.thing"];

/** The full check as the edge runs it: look up the method's class, then authorize. */
const check = (role: string, scopes: readonly string[], method: string) => authorize(role, scopes, methodAccess(method));

describe("methodAccess - the class of each method (spec §4.6)", () => {
  const table: [string, string[], MethodAccess][] = [
    ["node-only", NODE_ONLY, "node"],
    ["approvals", APPROVALS, "approvals"],
    ["pairing", PAIRING, "pairing"],
    ["read", READ, "read"],
    ["write", WRITE, "write"],
    ["admin (config.*, wizard.*, update.*, …)", ADMIN, "admin"],
    ["unknown methods need admin", UNKNOWN, "admin"],
  ];
  test.each(table)("%s", (_name, list, access) => {
    for (const method of list) expect([method, methodAccess(method)]).toEqual([method, access]);
  });

  test("prototype keys are not methods with access", () => {
    expect(methodAccess("constructor")).toBe("admin");
    expect(methodAccess("__proto__")).toBe("admin");
  });
});

describe("authorize - node-only methods", () => {
  test.each(NODE_ONLY)("%s: a node passes, whatever its scopes", (method) => {
    expect(check("node", [], method)).toBeNull();
  });

  test.each(NODE_ONLY)("%s: an operator is refused even with every scope", (method) => {
    expect(check("operator", SCOPES, method)).toBe("unauthorized role: operator");
  });

  test("another role is refused with its own name", () => {
    expect(check("guest", ["operator.admin"], "node.event")).toBe("unauthorized role: guest");
  });
});

describe("authorize - roles other than operator on operator methods", () => {
  test.each([...READ.slice(0, 3), ...WRITE.slice(0, 3), "config.get", "exec.approval.resolve", "node.rename", UNKNOWN[0]!])(
    "a node calling %s gets `unauthorized role: node`, even with admin scope",
    (method) => {
      expect(check("node", [], method)).toBe("unauthorized role: node");
      expect(check("node", ["operator.admin"], method)).toBe("unauthorized role: node");
    },
  );

  test("an unknown role gets `unauthorized role: <role>`", () => {
    expect(check("guest", ["operator.admin"], "health")).toBe("unauthorized role: guest");
    expect(check("", ["operator.admin"], "health")).toBe("unauthorized role: ");
  });
});

describe("authorize - operator scopes", () => {
  test("admin passes every non-node method, known or not", () => {
    for (const method of [...APPROVALS, ...PAIRING, ...READ, ...WRITE, ...ADMIN, ...UNKNOWN]) {
      expect([method, check("operator", ["operator.admin"], method)]).toEqual([method, null]);
    }
  });

  test.each(READ)("read method %s: satisfied by read or by write", (method) => {
    expect(check("operator", ["operator.read"], method)).toBeNull();
    expect(check("operator", ["operator.write"], method)).toBeNull();
    expect(check("operator", ["operator.approvals", "operator.pairing"], method)).toBe("missing scope: operator.read");
    expect(check("operator", [], method)).toBe("missing scope: operator.read");
  });

  test.each(WRITE)("write method %s: needs write; read is not enough", (method) => {
    expect(check("operator", ["operator.write"], method)).toBeNull();
    expect(check("operator", ["operator.read"], method)).toBe("missing scope: operator.write");
    expect(check("operator", ["operator.read", "operator.approvals", "operator.pairing"], method)).toBe(
      "missing scope: operator.write",
    );
  });

  test.each(APPROVALS)("approval method %s: needs operator.approvals", (method) => {
    expect(check("operator", ["operator.approvals"], method)).toBeNull();
    expect(check("operator", ["operator.read", "operator.write", "operator.pairing"], method)).toBe(
      "missing scope: operator.approvals",
    );
  });

  test.each(PAIRING)("pairing method %s: needs operator.pairing", (method) => {
    expect(check("operator", ["operator.pairing"], method)).toBeNull();
    expect(check("operator", ["operator.read", "operator.write", "operator.approvals"], method)).toBe(
      "missing scope: operator.pairing",
    );
  });

  test("approvals or pairing scope alone does not open read or write methods", () => {
    expect(check("operator", ["operator.approvals"], "health")).toBe("missing scope: operator.read");
    expect(check("operator", ["operator.pairing"], "chat.send")).toBe("missing scope: operator.write");
  });

  test("admin-only and unknown methods: every non-admin scope together is not enough", () => {
    const allButAdmin = SCOPES.filter((s) => s !== "operator.admin");
    for (const method of [...ADMIN, ...UNKNOWN]) {
      expect([method, check("operator", allButAdmin, method)]).toEqual([method, "missing scope: operator.admin"]);
    }
  });

  test("scope matching is exact: no prefixes, no case folding", () => {
    expect(check("operator", ["operator"], "health")).toBe("missing scope: operator.read");
    expect(check("operator", ["OPERATOR.ADMIN"], "config.get")).toBe("missing scope: operator.admin");
    expect(check("operator", ["operator.admin "], "config.get")).toBe("missing scope: operator.admin");
  });
});

describe("defaultScopes - what a client asking for none gets (spec §3.2)", () => {
  test("operators get admin, nodes get nothing", () => {
    expect(defaultScopes("operator")).toEqual(["operator.admin"]);
    expect(defaultScopes("node")).toEqual([]);
  });

  test("each call returns a fresh array, so a caller's edit does not leak into the next connection", () => {
    const first = defaultScopes("operator");
    first.push("operator.read");
    expect(defaultScopes("operator")).toEqual(["operator.admin"]);
  });

  test("the defaults authorize as the spec says: an operator with defaults may call anything", () => {
    expect(check("operator", defaultScopes("operator"), "config.set")).toBeNull();
    expect(check("node", defaultScopes("node"), "node.event")).toBeNull();
  });
});
