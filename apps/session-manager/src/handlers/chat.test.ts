import { GatewayError } from "@clawdbot/protocol";
import { expect, test } from "vitest";
import { capHistory, chatRunExpiry, isStopCommand, replay } from "./chat.js";

test("stop commands: /stop, or a stop word alone, any case", () => {
  for (const m of ["/stop", "stop", " STOP ", "Esc", "abort", "wait", "exit", "interrupt"]) expect([m, isStopCommand(m)]).toEqual([m, true]);
  for (const m of ["/STOP", "stop it", "please wait", "stopp", ""]) expect([m, isStopCommand(m)]).toEqual([m, false]);
});

test("run expiry: now + timeout + 60 s, between 2 min and 24 h", () => {
  expect(chatRunExpiry(0, 0)).toBe(120_000);
  expect(chatRunExpiry(0, 600_000)).toBe(660_000);
  expect(chatRunExpiry(0, 10 * 86_400_000)).toBe(86_400_000);
});

test("history cap keeps the newest messages that fit", () => {
  const messages = Array.from({ length: 10 }, (_, i) => ({ i, text: "x".repeat(100) }));
  const kept = capHistory(messages, 500);
  expect(kept.length).toBeGreaterThan(0);
  expect(kept.length).toBeLessThan(10);
  expect(kept.at(-1)).toBe(messages.at(-1));
  expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(500);
  expect(capHistory(messages)).toHaveLength(10);
});

test("replay returns a cached payload or throws the cached error", () => {
  expect(replay({ ts: 1, ok: true, payload: { runId: "r", status: "ok" } })).toEqual({ runId: "r", status: "ok" });
  expect(() => replay({ ts: 1, ok: false, payload: { runId: "r", status: "error", summary: "boom" }, error: { code: "UNAVAILABLE", message: "boom" } })).toThrow(GatewayError);
});
