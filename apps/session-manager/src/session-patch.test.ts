import { GatewayError } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import { type PatchContext, applySessionPatch, resetSessionEntry } from "./session-patch.js";

const ctx = (over: Partial<PatchContext> = {}): PatchContext => ({
  key: "agent:main:main",
  now: 1_000,
  labelTaken: () => false,
  resolveModel: (m) => (m === "echo" || m === "echo/echo" ? { provider: "echo", id: "echo" } : undefined),
  ...over,
});

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe("INVALID_REQUEST");
    return (err as GatewayError).message;
  }
  throw new Error("expected a refusal");
}

describe("applySessionPatch", () => {
  test("creates a missing entry with a new sessionId and sets fields", () => {
    const entry = applySessionPatch(undefined, { key: "main", label: " Work ", thinkingLevel: "HIGH", sendPolicy: "deny" }, ctx());
    expect(entry).toMatchObject({ updatedAt: 1_000, label: "Work", thinkingLevel: "high", sendPolicy: "deny" });
    expect(entry.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("null clears a field; updatedAt never goes back", () => {
    const entry = applySessionPatch({ sessionId: "s", updatedAt: 5_000, label: "x", verboseLevel: "on" }, { key: "main", label: null, verboseLevel: null }, ctx());
    expect(entry).toEqual({ sessionId: "s", updatedAt: 5_000 });
  });

  test("labels are unique", () => {
    expect(refused(() => applySessionPatch(undefined, { key: "main", label: "dup" }, ctx({ labelTaken: (l) => l === "dup" })))).toBe("label already in use: dup");
  });

  test("levels are validated with the original's hints; aliases normalize", () => {
    expect(refused(() => applySessionPatch(undefined, { key: "main", thinkingLevel: "extreme" }, ctx()))).toBe("invalid thinkingLevel (use off|minimal|low|medium|high|xhigh)");
    expect(refused(() => applySessionPatch(undefined, { key: "main", execHost: "cloud" }, ctx()))).toBe("invalid execHost (use sandbox|gateway|node)");
    expect(applySessionPatch(undefined, { key: "main", verboseLevel: "true", responseUsage: "on" }, ctx())).toMatchObject({ verboseLevel: "on", responseUsage: "tokens" });
  });

  test("model must be allowed; it sets the overrides, null clears them", () => {
    expect(refused(() => applySessionPatch(undefined, { key: "main", model: "gpt-9" }, ctx()))).toBe("model not allowed: gpt-9");
    const set = applySessionPatch(undefined, { key: "main", model: "echo/echo" }, ctx());
    expect(set).toMatchObject({ modelOverride: "echo", providerOverride: "echo" });
    expect(applySessionPatch(set, { key: "main", model: null }, ctx())).not.toHaveProperty("modelOverride");
  });

  test("spawnedBy only on subagent keys, and never changed or cleared once set", () => {
    expect(refused(() => applySessionPatch(undefined, { key: "main", spawnedBy: "agent:main:main" }, ctx()))).toBe("spawnedBy is only supported for subagent:* sessions");
    const sub = ctx({ key: "agent:main:subagent:1" });
    const entry = applySessionPatch(undefined, { key: "x", spawnedBy: "agent:main:main" }, sub);
    expect(entry.spawnedBy).toBe("agent:main:main");
    expect(refused(() => applySessionPatch(entry, { key: "x", spawnedBy: "agent:main:other" }, sub))).toBe("spawnedBy cannot be changed once set");
    expect(refused(() => applySessionPatch(entry, { key: "x", spawnedBy: null }, sub))).toBe("spawnedBy cannot be cleared once set");
  });
});

test("resetSessionEntry: new id and counters, kept preferences", () => {
  const old = { sessionId: "old", updatedAt: 1, label: "L", thinkingLevel: "high", inputTokens: 9, systemSent: true, chatType: "group", modelOverride: "m" };
  const next = resetSessionEntry(old, 2_000);
  expect(next.sessionId).not.toBe("old");
  expect(next).toMatchObject({ updatedAt: 2_000, label: "L", thinkingLevel: "high", modelOverride: "m", inputTokens: 0, outputTokens: 0, totalTokens: 0, systemSent: false, abortedLastRun: false });
  expect(next).not.toHaveProperty("chatType");
});
