import { describe, expect, test } from "vitest";
import {
  DEFAULT_SESSION_KEY_CONFIG as cfg,
  type SessionKeyConfig,
  classifySessionKey,
  isSubagentSessionKey,
  normalizeAgentId,
  parseAgentSessionKey,
  resolveAgentIdFromSessionKey,
  resolveMainSessionKey,
  resolveSessionStoreKey,
} from "./session-keys.js";

describe("normalizeAgentId", () => {
  test.each([
    ["", "main"],
    ["   ", "main"],
    [undefined, "main"],
    ["Main", "main"],
    ["ops_2", "ops_2"],
    ["My Agent!", "my-agent"],
    ["--x--", "x"],
    ["***", "main"],
    ["a".repeat(70), "a".repeat(64)],
  ])("%j → %j", (input, expected) => {
    expect(normalizeAgentId(input)).toBe(expected);
  });
});

describe("resolveSessionStoreKey - defaults (agent main, mainKey main, per-sender)", () => {
  test.each([
    ["main", "agent:main:main"],
    [" main ", "agent:main:main"],
    ["agent:main:main", "agent:main:main"],
    ["foo", "agent:main:foo"],
    ["telegram:group:-100", "agent:main:telegram:group:-100"],
    ["agent:ops:main", "agent:ops:main"],
    ["agent:ops:discord:channel:42", "agent:ops:discord:channel:42"],
    ["agent:main:subagent:abc", "agent:main:subagent:abc"],
    ["global", "global"],
    ["unknown", "unknown"],
  ])("%j → %j", (input, expected) => {
    expect(resolveSessionStoreKey(cfg, input)).toBe(expected);
  });

  test("the main session is agent:main:main", () => {
    expect(resolveMainSessionKey(cfg)).toBe("agent:main:main");
  });
});

describe("resolveSessionStoreKey - configured mainKey, default agent and global scope", () => {
  const custom: SessionKeyConfig = { defaultAgentId: "Ops", mainKey: "Home", scope: "per-sender" };
  test.each([
    ["main", "agent:ops:home"],
    ["home", "agent:ops:home"],
    ["agent:ops:main", "agent:ops:home"],
    ["agent:ops:home", "agent:ops:home"],
    ["agent:other:main", "agent:other:home"],
    ["foo", "agent:ops:foo"],
  ])("%j → %j", (input, expected) => {
    expect(resolveSessionStoreKey(custom, input)).toBe(expected);
  });

  test("global scope: every main alias is the literal key global", () => {
    const global: SessionKeyConfig = { ...cfg, scope: "global" };
    expect(resolveMainSessionKey(global)).toBe("global");
    for (const alias of ["main", "agent:main:main"]) expect(resolveSessionStoreKey(global, alias)).toBe("global");
    expect(resolveSessionStoreKey(global, "foo")).toBe("agent:main:foo");
  });
});

describe("parsing and classification", () => {
  test("parseAgentSessionKey", () => {
    expect(parseAgentSessionKey("agent:main:telegram:dm:1")).toEqual({ agentId: "main", rest: "telegram:dm:1" });
    expect(parseAgentSessionKey("agent:main")).toBeNull();
    expect(parseAgentSessionKey("main")).toBeNull();
    expect(parseAgentSessionKey("acp:x:y")).toBeNull();
  });

  test("agent of a key", () => {
    expect(resolveAgentIdFromSessionKey(cfg, "agent:Ops:x")).toBe("ops");
    expect(resolveAgentIdFromSessionKey(cfg, "global")).toBe("main");
  });

  test("kind", () => {
    expect(classifySessionKey("global")).toBe("global");
    expect(classifySessionKey("unknown")).toBe("unknown");
    expect(classifySessionKey("agent:main:telegram:group:1")).toBe("group");
    expect(classifySessionKey("agent:main:discord:channel:1")).toBe("group");
    expect(classifySessionKey("agent:main:x", { chatType: "channel" })).toBe("group");
    expect(classifySessionKey("agent:main:main")).toBe("direct");
  });

  test("subagent keys", () => {
    expect(isSubagentSessionKey("agent:main:subagent:1")).toBe(true);
    expect(isSubagentSessionKey("subagent:1")).toBe(true);
    expect(isSubagentSessionKey("agent:main:main")).toBe(false);
  });
});
