import { PassThrough } from "node:stream";
import type { ChatEventPayload } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import { ChatTurn, ReplyText, messageText } from "./chat-turn.js";
import { Spinner } from "./spinner.js";

const msg = (text: string) => ({ role: "assistant", content: [{ type: "text", text }], timestamp: 1 });
const event = (runId: string, state: ChatEventPayload["state"], text?: string, extra: Partial<ChatEventPayload> = {}): ChatEventPayload => ({
  runId,
  sessionKey: "main",
  seq: 1,
  state,
  ...(text !== undefined ? { message: msg(text) } : {}),
  ...extra,
});

function turn(): { turn: ChatTurn; output: () => string } {
  const out = new PassThrough();
  let text = "";
  out.setEncoding("utf8").on("data", (c: string) => (text += c));
  return { turn: new ChatTurn("r1", out, new Spinner(out, { enabled: false, label: "" })), output: () => text };
}

describe("chat output", () => {
  test("cumulative deltas print only what is new", () => {
    const reply = new ReplyText();
    expect(reply.next("echo")).toBe("echo");
    expect(reply.next("echo: hel")).toBe(": hel");
    expect(reply.next("echo: hel")).toBe("");
    expect(reply.next("other")).toBe("\nother");
  });

  test("message text joins text parts", () => {
    expect(messageText(msg("hi"))).toBe("hi");
    expect(messageText({ content: [{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }] })).toBe("ab");
    expect(messageText({ content: "plain" })).toBe("plain");
    expect(messageText(undefined)).toBe("");
  });

  test("a streamed reply, then final", async () => {
    const { turn: t, output } = turn();
    t.onEvent(event("r1", "delta", "echo: a"));
    t.onEvent(event("other-run", "delta", "not mine"));
    t.onEvent(event("r1", "delta", "echo: a b"));
    t.onEvent(event("r1", "final", "echo: a b c"));
    await expect(t.done).resolves.toEqual({ state: "final", text: "echo: a b c" });
    expect(output()).toBe("assistant › echo: a b c\n");
    t.onEvent(event("r1", "delta", "late"));
    expect(output()).toBe("assistant › echo: a b c\n");
  });

  test("aborted and error endings", async () => {
    const aborted = turn();
    aborted.turn.onEvent(event("r1", "delta", "echo: w0 w1"));
    aborted.turn.onEvent(event("r1", "aborted", "echo: w0 w1", { stopReason: "rpc" }));
    await expect(aborted.turn.done).resolves.toMatchObject({ state: "aborted" });
    expect(aborted.output()).toBe("assistant › echo: w0 w1 [aborted]\n");

    const failed = turn();
    failed.turn.onEvent(event("r1", "error", undefined, { errorMessage: "provider down" }));
    await expect(failed.turn.done).resolves.toMatchObject({ state: "error", errorMessage: "provider down" });
    expect(failed.output()).toBe("[error] provider down\n");

    const lost = turn();
    lost.turn.onEvent(event("r1", "delta", "echo"));
    lost.turn.lose("connection lost; reconnecting");
    await expect(lost.turn.done).resolves.toMatchObject({ state: "lost" });
    expect(lost.output()).toBe("assistant › echo\n[connection lost; reconnecting]\n");
  });
});
