import { describe, expect, test } from "vitest";
import { deriveTitle, listSessionRows, previewText, sessionRow } from "./session-rows.js";
import type { SessionEntry } from "./session-store.js";

const e = (updatedAt: number, extra: Record<string, unknown> = {}): SessionEntry => ({ sessionId: `s${updatedAt}`, updatedAt, ...extra });

const store: [string, SessionEntry][] = [
  ["agent:main:main", e(300, { label: "Home", inputTokens: 2, outputTokens: 3 })],
  ["agent:main:telegram:group:1", e(200, { displayName: "Family" })],
  ["agent:ops:main", e(100)],
  ["global", e(400)],
  ["unknown", e(50)],
  ["agent:main:subagent:x", e(250, { spawnedBy: "agent:main:main" })],
];

describe("listSessionRows", () => {
  test("sorted by updatedAt descending, global/unknown only on request", () => {
    expect(listSessionRows(store, {}, 1_000).map((r) => r.key)).toEqual(["agent:main:main", "agent:main:subagent:x", "agent:main:telegram:group:1", "agent:ops:main"]);
    expect(listSessionRows(store, { includeGlobal: true, includeUnknown: true }, 1_000).map((r) => r.key)).toEqual([
      "global",
      "agent:main:main",
      "agent:main:subagent:x",
      "agent:main:telegram:group:1",
      "agent:ops:main",
      "unknown",
    ]);
  });

  test("agentId, spawnedBy, label, search, active window and limit", () => {
    expect(listSessionRows(store, { agentId: "OPS" }, 1_000).map((r) => r.key)).toEqual(["agent:ops:main"]);
    expect(listSessionRows(store, { spawnedBy: "agent:main:main" }, 1_000).map((r) => r.key)).toEqual(["agent:main:subagent:x"]);
    expect(listSessionRows(store, { label: "Home" }, 1_000).map((r) => r.key)).toEqual(["agent:main:main"]);
    expect(listSessionRows(store, { search: "FAMILY" }, 1_000).map((r) => r.key)).toEqual(["agent:main:telegram:group:1"]);
    expect(listSessionRows(store, { activeMinutes: 1 }, 60_000 + 200).map((r) => r.key)).toEqual(["agent:main:main", "agent:main:subagent:x", "agent:main:telegram:group:1"]);
    expect(listSessionRows(store, { limit: 2 }, 1_000)).toHaveLength(2);
  });

  test("row shape: kind, totals, fields copied", () => {
    expect(sessionRow("agent:main:main", store[0]![1])).toEqual({
      key: "agent:main:main",
      kind: "direct",
      updatedAt: 300,
      label: "Home",
      sessionId: "s300",
      inputTokens: 2,
      outputTokens: 3,
      totalTokens: 5,
    });
    expect(sessionRow("agent:main:telegram:group:1", store[1]![1]).kind).toBe("group");
    expect(sessionRow("agent:x:y", e(1, { deliveryContext: { channel: "telegram", to: "42" } }))).toMatchObject({ lastChannel: "telegram", lastTo: "42", totalTokens: 0 });
  });
});

test("titles and previews", () => {
  expect(deriveTitle("\n  Plan the trip\nmore")).toBe("Plan the trip");
  expect(deriveTitle("x".repeat(80))).toBe(`${"x".repeat(59)}…`);
  expect(deriveTitle(undefined)).toBeUndefined();
  expect(previewText("a\n b  c")).toBe("a b c");
});
