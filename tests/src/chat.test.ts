import { writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { AppProcess } from "@clawdbot/testkit";
import { type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ChatPayload,
  agentEvents,
  assertAgentEvent,
  assertOriginalDefinition,
  chatEvents,
  nextChat,
  textOf,
  uniqueKey,
  words,
} from "./chat-helpers.js";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// Chat runs end to end: a real nats-server, session-manager processes (two where a test needs
// replicas), one edge, and a native-protocol client. Timing comes from env, so runs are short.
const LEASE_MS = 1_500;

let nats: NatsServer;
let stack: Stack;
let url: string;
/** The one replica taking calls; replica tests hand over to a new one. */
let serving: AppProcess;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({
    natsUrl: nats.url,
    env: { CLAWDBOT_RUN_LEASE_MS: String(LEASE_MS), CLAWDBOT_ECHO_WORD_DELAY_MS: "20", CLAWDBOT_RUN_DRAIN_MS: "60000" },
  });
  serving = await stack.start("session-manager");
  ({ url } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

async function client(): Promise<RawClient> {
  return (await RawClient.connect(url, { token: stack.token })).client;
}

/**
 * Starts a second replica, then stops the first gracefully: it stops taking calls at once while
 * its runs go on (drain), so every call from here on reaches the new replica, deterministically.
 */
async function handOver(): Promise<{ owner: AppProcess; ownerStopped: Promise<{ code: number | null }> }> {
  const owner = serving;
  serving = await stack.start("session-manager");
  const ownerStopped = owner.stop("SIGTERM");
  await owner.waitForLog((l) => l.msg === "stopping");
  return { owner, ownerStopped };
}

describe("chat.send", () => {
  test("acks started at once, streams cumulative deltas, then final; payloads match the original's schemas", async () => {
    const c = await client();
    const runId = uniqueKey();
    const message = words(25);
    const res = await c.request("chat.send", { sessionKey: "main", message, idempotencyKey: runId });
    expect(res).toMatchObject({ ok: true, payload: { runId, status: "started" } });
    const final = await nextChat(c, runId, ["final", "error", "aborted"]);
    const events = chatEvents(c, runId);
    expect((final.payload as ChatPayload).state).toBe("final");
    expect(textOf((final.payload as ChatPayload).message)).toBe(`echo: ${message}`);

    const deltas = events.filter((e) => e.state === "delta");
    expect(deltas.length).toBeGreaterThan(0);
    expect(events.at(-1)).toBe(final.payload);
    // Each delta carries the full text so far; the trailing flush makes the last one complete.
    for (let i = 1; i < deltas.length; i++) expect(textOf(deltas[i]!.message).startsWith(textOf(deltas[i - 1]!.message))).toBe(true);
    expect(textOf(deltas.at(-1)!.message)).toBe(`echo: ${message}`);
    for (const e of events) {
      expect(e.sessionKey).toBe("main");
      assertOriginalDefinition("ChatEvent", e);
    }

    const agent = agentEvents(c, runId);
    expect(agent.map((e) => e.seq)).toEqual(agent.map((_, i) => i + 1));
    expect(agent[0]).toMatchObject({ stream: "lifecycle", data: { phase: "start" } });
    expect(agent.at(-1)).toMatchObject({ stream: "lifecycle", data: { phase: "end" } });
    const assistant = agent.filter((e) => e.stream === "assistant");
    expect(assistant.map((e) => e.data.delta).join("")).toBe(`echo: ${message}`);
    expect(assistant.at(-1)!.data.text).toBe(`echo: ${message}`);
    for (const e of agent) assertAgentEvent(e);
    // Deltas use the agent event's seq; the final uses the lifecycle end's.
    expect((final.payload as ChatPayload).seq).toBe(agent.at(-1)!.seq);
    for (const frame of c.frames) assertOriginalFrame(frame);
    c.close();
  });

  test("chat.history then holds the user and the assistant message", async () => {
    const c = await client();
    const runId = uniqueKey();
    const sessionKey = uniqueKey("history");
    await c.request("chat.send", { sessionKey, message: "hello there", idempotencyKey: runId });
    await nextChat(c, runId, ["final"]);
    const history = await c.request("chat.history", { sessionKey });
    expect(history).toMatchObject({ ok: true, payload: { sessionKey, sessionId: expect.any(String), thinkingLevel: "off" } });
    const messages = (history.payload as { messages: { role: string; content: { text: string }[] }[] }).messages;
    expect(messages.map((m) => [m.role, m.content[0]!.text])).toEqual([
      ["user", "hello there"],
      ["assistant", "echo: hello there"],
    ]);
    const limited = await c.request("chat.history", { sessionKey, limit: 1 });
    expect((limited.payload as { messages: { role: string }[] }).messages.map((m) => m.role)).toEqual(["assistant"]);
    const list = await c.request("sessions.list", { search: sessionKey });
    expect(list.payload).toMatchObject({ count: 1, sessions: [{ key: `agent:main:${sessionKey}`, kind: "direct", modelProvider: "echo", model: "echo" }] });
    c.close();
  });

  test("a stop word aborts the session's runs with stopReason stop", async () => {
    const c = await client();
    const runId = uniqueKey();
    const sessionKey = uniqueKey("stop");
    await c.request("chat.send", { sessionKey, message: words(400), idempotencyKey: runId });
    await nextChat(c, runId, ["delta"]);
    const res = await c.request("chat.send", { sessionKey, message: " STOP ", idempotencyKey: uniqueKey() });
    expect(res).toMatchObject({ ok: true, payload: { ok: true, aborted: true, runIds: [runId] } });
    const aborted = await nextChat(c, runId, ["aborted", "final", "error"]);
    expect(aborted.payload).toMatchObject({ state: "aborted", stopReason: "stop", sessionKey });
    assertOriginalDefinition("ChatEvent", aborted.payload);
    c.close();
  });

  test("chat.abort with a runId of another session is refused; an unknown runId aborts nothing", async () => {
    const c = await client();
    const runId = uniqueKey();
    const sessionKey = uniqueKey("own");
    await c.request("chat.send", { sessionKey, message: words(400), idempotencyKey: runId });
    await nextChat(c, runId, ["delta"]);
    expect(await c.request("chat.abort", { sessionKey: "someone-else", runId })).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST", message: "runId does not match sessionKey" },
    });
    expect(await c.request("chat.abort", { sessionKey, runId: "no-such-run" })).toMatchObject({ ok: true, payload: { ok: true, aborted: false, runIds: [] } });
    expect(await c.request("chat.abort", { sessionKey })).toMatchObject({ ok: true, payload: { ok: true, aborted: true, runIds: [runId] } });
    expect((await nextChat(c, runId, ["aborted", "final", "error"])).payload).toMatchObject({ state: "aborted", stopReason: "rpc" });
    c.close();
  });

  test("chat.inject appends an assistant message and broadcasts a final with seq 0", async () => {
    const c = await client();
    const sessionKey = uniqueKey("inject");
    const runId = uniqueKey();
    await c.request("chat.send", { sessionKey, message: "hi", idempotencyKey: runId });
    await nextChat(c, runId, ["final"]);
    const res = await c.request("chat.inject", { sessionKey, message: "note", label: "system" });
    expect(res).toMatchObject({ ok: true, payload: { ok: true, messageId: expect.any(String) } });
    const final = await c.next((f) => f.event === "chat" && (f.payload as ChatPayload).runId.startsWith("inject-") && (f.payload as ChatPayload).sessionKey === sessionKey);
    expect(final.payload).toMatchObject({ seq: 0, state: "final", message: { role: "assistant", content: [{ type: "text", text: "[system]\n\nnote" }], stopReason: "injected" } });
    assertOriginalDefinition("ChatEvent", final.payload);
    const history = await c.request("chat.history", { sessionKey });
    expect((history.payload as { messages: unknown[] }).messages).toHaveLength(3);
    c.close();
  });
});

describe("replicas", () => {
  test("the same idempotency key on another replica: in_flight while running, then the same runId without a second run", async () => {
    const c = await client();
    const runId = uniqueKey();
    const sessionKey = uniqueKey("dedupe");
    expect(await c.request("chat.send", { sessionKey, message: words(250), idempotencyKey: runId })).toMatchObject({ payload: { runId, status: "started" } });
    await nextChat(c, runId, ["delta"]);
    const { ownerStopped } = await handOver();
    // Only the new replica takes calls now; the run goes on in the stopping one.
    expect(await c.request("chat.send", { sessionKey, message: words(250), idempotencyKey: runId })).toMatchObject({ ok: true, payload: { runId, status: "in_flight" } });
    await nextChat(c, runId, ["final"]);
    await ownerStopped;
    expect(await c.request("chat.send", { sessionKey, message: words(250), idempotencyKey: runId })).toMatchObject({ ok: true, payload: { runId, status: "ok" } });
    // Still exactly one run: one lifecycle start, one final, and two transcript messages.
    await new Promise((r) => setTimeout(r, 300));
    expect(agentEvents(c, runId).filter((e) => e.stream === "lifecycle" && e.data.phase === "start")).toHaveLength(1);
    expect(chatEvents(c, runId).filter((e) => e.state === "final")).toHaveLength(1);
    const history = await c.request("chat.history", { sessionKey });
    expect((history.payload as { messages: unknown[] }).messages).toHaveLength(2);
    c.close();
  });

  test("a run started on one replica is aborted through the other (aborted, stopReason rpc)", async () => {
    const c = await client();
    const runId = uniqueKey();
    const sessionKey = uniqueKey("abort");
    await c.request("chat.send", { sessionKey, message: words(400), idempotencyKey: runId });
    await nextChat(c, runId, ["delta"]);
    const { ownerStopped } = await handOver();
    const res = await c.request("chat.abort", { sessionKey, runId });
    expect(res).toMatchObject({ ok: true, payload: { ok: true, aborted: true, runIds: [runId] } });
    const aborted = await nextChat(c, runId, ["aborted", "final", "error"]);
    expect(aborted.payload).toMatchObject({ runId, sessionKey, state: "aborted", stopReason: "rpc" });
    assertOriginalDefinition("ChatEvent", aborted.payload);
    // The owner aborted it (it was alive and answered): no takeover by the replica that took the call.
    expect(serving.logs.some((l) => String(l.msg).includes("does not answer"))).toBe(false);
    // The owner, whose run ended, finishes its graceful stop.
    expect(await ownerStopped).toMatchObject({ code: 0 });
    c.close();
  });

  test("SIGKILL of the owner mid-run ends the run as error within the lease time", async () => {
    const c = await client();
    const runId = uniqueKey();
    const sessionKey = uniqueKey("kill");
    await c.request("chat.send", { sessionKey, message: words(400), idempotencyKey: runId });
    await nextChat(c, runId, ["delta"]);
    const owner = serving;
    serving = await stack.start("session-manager");
    owner.kill();
    await owner.exited;
    // Generous deadline; the run must end, as an error, never stay in flight.
    const end = await nextChat(c, runId, ["error", "final", "aborted"], 30_000);
    expect(end.payload).toMatchObject({ runId, sessionKey, state: "error", errorMessage: "run owner lost" });
    assertOriginalDefinition("ChatEvent", end.payload);
    expect(agentEvents(c, runId).at(-1)).toMatchObject({ stream: "lifecycle", data: { phase: "error", error: "run owner lost" } });
    // A retry now gets the recorded failure, not a second run.
    await waitFor(async () => (await c.request("chat.send", { sessionKey, message: "x", idempotencyKey: runId })).ok === false, { timeoutMs: 10_000 });
    expect(await c.request("chat.send", { sessionKey, message: "x", idempotencyKey: runId })).toMatchObject({
      ok: false,
      error: { code: "UNAVAILABLE", message: "run owner lost" },
    });
    c.close();
  });
});

describe("agent", () => {
  test("answers twice with the same id: accepted, then the final result; agent.wait then returns at once", async () => {
    const c = await client();
    const runId = uniqueKey("agent");
    const id = uniqueKey("req");
    c.send({ type: "req", id, method: "agent", params: { message: "do the thing", sessionKey: "agent-side", idempotencyKey: runId } });
    const final = await c.next((f) => f.type === "res" && f.id === id && (f.payload as { status?: string })?.status !== "accepted", 20_000);
    const answers = c.frames.filter((f) => f.type === "res" && f.id === id);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatchObject({ ok: true, payload: { runId, status: "accepted", acceptedAt: expect.any(Number) } });
    expect(final).toMatchObject({
      ok: true,
      payload: { runId, status: "ok", summary: "completed", result: { payloads: [{ text: "echo: do the thing" }], meta: { agentMeta: { provider: "echo", model: "echo" } } } },
    });
    for (const frame of answers) assertOriginalFrame(frame);
    // Not the main session: agent events only, no chat events.
    expect(agentEvents(c, runId).at(-1)).toMatchObject({ stream: "lifecycle", data: { phase: "end" }, sessionKey: "agent-side" });
    expect(chatEvents(c, runId)).toEqual([]);
    const wait = await c.request("agent.wait", { runId, timeoutMs: 5_000 });
    expect(wait).toMatchObject({ ok: true, payload: { runId, status: "ok", startedAt: expect.any(Number), endedAt: expect.any(Number) } });
    // A retry after the run gets the final answer again, once.
    expect(await c.request("agent", { message: "do the thing", sessionKey: "agent-side", idempotencyKey: runId })).toMatchObject({ ok: true, payload: { status: "ok" } });
    c.close();
  });

  test("on the main session the run also speaks chat; agent.wait waits for a running run", async () => {
    const c = await client();
    const runId = uniqueKey("agent");
    c.send({ type: "req", id: uniqueKey("req"), method: "agent", params: { message: words(30), idempotencyKey: runId } });
    await c.next((f) => f.event === "agent" && (f.payload as { runId: string }).runId === runId);
    const wait = await c.request("agent.wait", { runId, timeoutMs: 20_000 }, 25_000);
    expect(wait).toMatchObject({ ok: true, payload: { runId, status: "ok" } });
    const final = await nextChat(c, runId, ["final"]);
    expect(final.payload).toMatchObject({ sessionKey: "agent:main:main", state: "final" });
    c.close();
  });

  test("agent.wait for an unknown run times out as a result, not an error; timeout 0 fails the run", async () => {
    const c = await client();
    expect(await c.request("agent.wait", { runId: "never-ran", timeoutMs: 200 })).toMatchObject({ ok: true, payload: { runId: "never-ran", status: "timeout" } });
    const runId = uniqueKey("agent");
    const res = await c.request("agent", { message: "x", sessionKey: "timeout-zero", idempotencyKey: runId, timeout: 0 });
    // The first answer is the ack; the second the failure.
    expect(res).toMatchObject({ ok: true, payload: { runId, status: "accepted" } });
    const failed = await c.next((f) => f.type === "res" && f.id === res.id && f.ok === false);
    expect(failed.error).toMatchObject({ code: "UNAVAILABLE", message: "agent run timed out" });
    expect((await c.request("agent.wait", { runId, timeoutMs: 5_000 })).payload).toMatchObject({ status: "error", error: "agent run timed out" });
    expect((await c.request("agent", { message: "x", channel: "carrier-pigeon", idempotencyKey: uniqueKey() })).error).toEqual({
      code: "INVALID_REQUEST",
      message: "invalid agent params: unknown channel: carrier-pigeon",
    });
    c.close();
  });
});

describe("OpenAI-compatible provider", () => {
  // A local server speaking the chat-completions streaming format: the only stand-in allowed,
  // since the real API is off this machine. One chunk per word; the "slow" model never finishes.
  let fake: Server;
  const requests: { model: string; messages: { role: string; content: string }[]; closedEarly: boolean }[] = [];

  beforeAll(async () => {
    fake = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = "";
      req.on("data", (d: Buffer) => (raw += d.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw) as { model: string; messages: { role: string; content: string }[] };
        const seen = { ...body, closedEarly: false };
        requests.push(seen);
        res.writeHead(200, { "content-type": "text/event-stream" });
        const words = `fake says ${body.messages.at(-1)!.content}`.split(" ");
        let i = 0;
        let done = false;
        const timer = setInterval(() => {
          if (i < words.length) {
            res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: (i > 0 ? " " : "") + words[i++] } }] })}\n\n`);
          } else if (body.model !== "slow") {
            clearInterval(timer);
            res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: words.length } })}\n\ndata: [DONE]\n\n`);
            done = true;
            res.end();
          }
        }, 20);
        res.on("close", () => {
          clearInterval(timer);
          if (!done) seen.closedEarly = true;
        });
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
    // The session-manager re-reads the config file when it changes.
    writeFileSync(
      join(stack.stateDir, "moltbot.json"),
      JSON.stringify({ models: { providers: { fake: { baseUrl, apiKey: "sk-local", api: "openai-completions", models: [{ id: "fake-1", contextWindow: 8192 }, { id: "slow" }] } } } }),
    );
  });

  afterAll(async () => {
    fake.closeAllConnections();
    await new Promise((resolve) => fake.close(resolve));
  });

  test("a session on the configured model streams from the server, with the conversation so far", async () => {
    const c = await client();
    await waitFor(async () => JSON.stringify((await c.request("models.list", {})).payload).includes("fake-1"), { message: "models.list never showed the configured model" });
    const models = await c.request("models.list", {});
    expect((models.payload as { models: unknown[] }).models).toContainEqual({ id: "fake-1", name: "fake-1", provider: "fake", contextWindow: 8192 });
    assertOriginalDefinition("ModelsListResult", models.payload);
    const sessionKey = uniqueKey("openai");
    expect((await c.request("sessions.patch", { key: sessionKey, model: "fake/fake-1" })).ok).toBe(true);
    for (const message of ["first question", "second question"]) {
      const runId = uniqueKey();
      await c.request("chat.send", { sessionKey, message, idempotencyKey: runId });
      const final = await nextChat(c, runId, ["final", "error", "aborted"]);
      expect(final.payload).toMatchObject({ state: "final" });
      expect(textOf((final.payload as ChatPayload).message)).toBe(`fake says ${message}`);
      expect(chatEvents(c, runId).some((e) => e.state === "delta")).toBe(true);
    }
    expect(requests.at(-1)!.messages).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "fake says first question" },
      { role: "user", content: "second question" },
    ]);
    const list = await c.request("sessions.list", { search: sessionKey });
    expect((list.payload as { sessions: unknown[] }).sessions[0]).toMatchObject({ modelProvider: "fake", model: "fake-1", inputTokens: 3, outputTokens: 4 });
    c.close();
  });

  test("abort cancels the HTTP request to the model server", async () => {
    const c = await client();
    const sessionKey = uniqueKey("openai-abort");
    await c.request("sessions.patch", { key: sessionKey, model: "fake/slow" });
    const runId = uniqueKey();
    await c.request("chat.send", { sessionKey, message: "go on forever", idempotencyKey: runId });
    await nextChat(c, runId, ["delta"]);
    const seen = requests.at(-1)!;
    expect(await c.request("chat.abort", { sessionKey, runId })).toMatchObject({ ok: true, payload: { aborted: true, runIds: [runId] } });
    expect((await nextChat(c, runId, ["aborted", "final", "error"])).payload).toMatchObject({ state: "aborted", stopReason: "rpc" });
    await waitFor(() => seen.closedEarly, { message: "the model server never saw the request close" });
    c.close();
  });
});
