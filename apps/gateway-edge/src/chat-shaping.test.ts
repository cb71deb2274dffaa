import { ChatEvent, ChatEventV4 } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import { ChatShaper, messageText } from "./chat-shaping.js";

const message = (text: string) => ({ role: "assistant", content: [{ type: "text", text }], timestamp: 1 });
const delta = (runId: string, seq: number, text: string) => JSON.stringify({ runId, sessionKey: "agent:main:main", seq, state: "delta", message: message(text) });

describe("ChatShaper: one chat event, one shape per version (protocol-v4-delta §6.2)", () => {
  test("v4 deltas carry the increment since the last broadcast; v3 keeps the cumulative event as published", () => {
    const shaper = new ChatShaper();
    const first = delta("r1", 1, "Hello");
    const a = shaper.shape(first)!;
    expect(a.v3).toBe(first);
    expect(JSON.parse(a.v4)).toMatchObject({ state: "delta", deltaText: "Hello", message: message("Hello") });
    expect(JSON.parse(a.v4)).not.toHaveProperty("replace");
    const b = shaper.shape(delta("r1", 2, "Hello world"))!;
    expect(JSON.parse(b.v4)).toMatchObject({ deltaText: " world" });
    for (const shaped of [a, b]) {
      expect(ChatEventV4.safeParse(JSON.parse(shaped.v4)).success).toBe(true);
      expect(ChatEvent.safeParse(JSON.parse(shaped.v3!)).success).toBe(true);
    }
  });

  test("text that does not extend the last one is sent whole with replace: true", () => {
    const shaper = new ChatShaper();
    shaper.shape(delta("r2", 1, "Hello wor"));
    expect(JSON.parse(shaper.shape(delta("r2", 2, "Goodbye"))!.v4)).toMatchObject({ deltaText: "Goodbye", replace: true });
  });

  test("runs are tracked apart and forgotten at their terminal event", () => {
    const shaper = new ChatShaper();
    shaper.shape(delta("a", 1, "aaa"));
    shaper.shape(delta("b", 1, "bbb"));
    expect(JSON.parse(shaper.shape(delta("a", 2, "aaaa"))!.v4).deltaText).toBe("a");
    const final = shaper.shape(JSON.stringify({ runId: "a", sessionKey: "k", seq: 3, state: "final", message: message("aaaa") }))!;
    expect(final.terminal).toBe(true);
    expect(shaper.trackedRuns).toBe(1);
    // A resync after a missed delta sends the whole text.
    expect(JSON.parse(shaper.shape(delta("b", 2, "bbbb"))!.v4Resync())).toMatchObject({ deltaText: "bbbb", replace: true });
  });

  test("v3 never sees status events or v4-only keys", () => {
    const shaper = new ChatShaper();
    expect(shaper.shape(JSON.stringify({ runId: "s", sessionKey: "k", seq: 0, state: "status", phase: "startup" }))!.v3).toBeNull();
    const v4Published = JSON.stringify({ runId: "s", sessionKey: "k", agentId: "main", seq: 1, state: "delta", deltaText: "hi", message: message("hi") });
    const shaped = shaper.shape(v4Published)!;
    expect(shaped.v4).toBe(v4Published);
    const v3 = JSON.parse(shaped.v3!);
    expect(v3).toEqual({ runId: "s", sessionKey: "k", seq: 1, state: "delta", message: message("hi") });
    expect(ChatEvent.safeParse(v3).success).toBe(true);
  });

  test("payloads it cannot read are passed on untouched", () => {
    expect(new ChatShaper().shape("[1,2]")).toBeNull();
    expect(new ChatShaper().shape(undefined)).toBeNull();
    expect(messageText({ content: "plain" })).toBe("plain");
  });
});
