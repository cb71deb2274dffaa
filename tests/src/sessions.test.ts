import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { type AppProcess, type Frame, type NatsServer, RawClient, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ChatPayload, assertOriginalDefinition, nextChat, uniqueKey } from "./chat-helpers.js";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack, appEntry } from "./stack.js";

// The sessions family end to end: the KV index and the transcript stream behind real replicas.

let nats: NatsServer;
let stack: Stack;
let url: string;
let replicas: AppProcess[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_ECHO_WORD_DELAY_MS: "5", CLAWDBOT_RUN_LEASE_MS: "2000" } });
  replicas = await Promise.all([stack.start("session-manager"), stack.start("session-manager")]);
  ({ url } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

async function client(): Promise<RawClient> {
  return (await RawClient.connect(url, { token: stack.token })).client;
}

type Row = { key: string; kind: string; sessionId?: string; label?: string; updatedAt: number | null; derivedTitle?: string; lastMessagePreview?: string };
const rows = (res: Frame) => (res.payload as { sessions: Row[] }).sessions;

async function chat(c: RawClient, sessionKey: string, message: string): Promise<void> {
  const runId = uniqueKey();
  await c.request("chat.send", { sessionKey, message, idempotencyKey: runId });
  expect(((await nextChat(c, runId, ["final", "error", "aborted"])).payload as ChatPayload).state).toBe("final");
}

describe("sessions.*", () => {
  test("patch creates an entry; list returns the original's row shape, newest first", async () => {
    const c = await client();
    const a = await c.request("sessions.patch", { key: "alpha", label: "Alpha", thinkingLevel: "low" });
    expect(a).toMatchObject({ ok: true, payload: { ok: true, key: "agent:main:alpha", path: expect.stringMatching(/agents\/main\/sessions\/sessions\.json$/), entry: { sessionId: expect.any(String), label: "Alpha", thinkingLevel: "low" } } });
    await c.request("sessions.patch", { key: "agent:main:telegram:group:-100", sendPolicy: "allow" });
    const list = await c.request("sessions.list", {});
    expect(list).toMatchObject({ ok: true, payload: { count: 2, defaults: { modelProvider: null, model: null, contextTokens: null } } });
    expect(rows(list).map((r) => [r.key, r.kind])).toEqual([
      ["agent:main:telegram:group:-100", "group"],
      ["agent:main:alpha", "direct"],
    ]);
    expect(rows(list)[1]).toMatchObject({ label: "Alpha", thinkingLevel: "low", totalTokens: 0, sessionId: (a.payload as { entry: { sessionId: string } }).entry.sessionId });
    expect(rows(await c.request("sessions.list", { label: "Alpha" })).map((r) => r.key)).toEqual(["agent:main:alpha"]);
    expect(rows(await c.request("sessions.list", { limit: 1 }))).toHaveLength(1);
    for (const frame of c.frames) assertOriginalFrame(frame);
    c.close();
  });

  test("patch validation: unique labels, known levels, unknown models, strict params", async () => {
    const c = await client();
    await c.request("sessions.patch", { key: "labelled", label: "Unique" });
    expect((await c.request("sessions.patch", { key: "other", label: "Unique" })).error).toEqual({ code: "INVALID_REQUEST", message: "label already in use: Unique" });
    expect((await c.request("sessions.patch", { key: "other", verboseLevel: "loud" })).error).toEqual({ code: "INVALID_REQUEST", message: "invalid verboseLevel (use on|off)" });
    expect((await c.request("sessions.patch", { key: "other", model: "nope/nope" })).error).toEqual({ code: "INVALID_REQUEST", message: "model not allowed: nope/nope" });
    expect((await c.request("sessions.patch", { key: "other", model: "echo" })).payload).toMatchObject({ entry: { modelOverride: "echo", providerOverride: "echo" } });
    const bad = await c.request("sessions.patch", { key: "other", bogus: 1 });
    expect(bad.error).toMatchObject({ code: "INVALID_REQUEST" });
    c.close();
  });

  test("concurrent patches from two replicas all land (compare-and-set)", async () => {
    const c = await client();
    const key = uniqueKey("cas");
    const fields = ["thinkingLevel", "verboseLevel", "reasoningLevel", "elevatedLevel", "execHost", "execAsk"] as const;
    const values = { thinkingLevel: "high", verboseLevel: "on", reasoningLevel: "stream", elevatedLevel: "ask", execHost: "node", execAsk: "always" };
    const results = await Promise.all(fields.map((f) => c.request("sessions.patch", { key, [f]: values[f] })));
    for (const r of results) expect(r.ok).toBe(true);
    const entry = (await c.request("sessions.patch", { key })).payload as { entry: Record<string, unknown> };
    expect(entry.entry).toMatchObject(values);
    c.close();
  });

  test("resolve by key, label and sessionId, with the original's errors", async () => {
    const c = await client();
    const created = await c.request("sessions.patch", { key: "findme", label: "Find Me" });
    const sessionId = (created.payload as { entry: { sessionId: string } }).entry.sessionId;
    expect((await c.request("sessions.resolve", { key: "findme" })).payload).toEqual({ ok: true, key: "agent:main:findme" });
    expect((await c.request("sessions.resolve", { label: "Find Me" })).payload).toEqual({ ok: true, key: "agent:main:findme" });
    expect((await c.request("sessions.resolve", { sessionId })).payload).toEqual({ ok: true, key: "agent:main:findme" });
    expect((await c.request("sessions.resolve", { key: "nobody" })).error).toEqual({ code: "INVALID_REQUEST", message: "No session found: nobody" });
    expect((await c.request("sessions.resolve", { label: "Nobody" })).error).toEqual({ code: "INVALID_REQUEST", message: "No session found with label: Nobody" });
    expect((await c.request("sessions.resolve", {})).error).toMatchObject({ code: "INVALID_REQUEST" });
    c.close();
  });

  test("preview, derived titles and last-message previews read the transcripts", async () => {
    const c = await client();
    const sessionKey = uniqueKey("preview");
    await chat(c, sessionKey, "Plan the\ntrip to Lisbon");
    const res = await c.request("sessions.preview", { keys: [sessionKey, "never-seen"], maxChars: 20 });
    expect(res).toMatchObject({ ok: true, payload: { previews: [{ key: sessionKey, status: "ok" }, { key: "never-seen", status: "missing", items: [] }] } });
    const items = (res.payload as { previews: { items: { role: string; text: string }[] }[] }).previews[0]!.items;
    expect(items.map((i) => i.role)).toEqual(["user", "assistant"]);
    expect(items[1]!.text).toBe("echo: Plan the\ntrip…");
    const list = await c.request("sessions.list", { search: sessionKey, includeDerivedTitles: true, includeLastMessage: true });
    expect(rows(list)[0]).toMatchObject({ derivedTitle: "Plan the", lastMessagePreview: "echo: Plan the trip to Lisbon" });
    c.close();
  });

  test("reset gives a new sessionId and keeps preferences; the old transcript is no longer the session's", async () => {
    const c = await client();
    const sessionKey = uniqueKey("reset");
    await c.request("sessions.patch", { key: sessionKey, label: uniqueKey("L"), thinkingLevel: "high" });
    await chat(c, sessionKey, "before reset");
    const before = ((await c.request("chat.history", { sessionKey })).payload as { sessionId: string; messages: unknown[] });
    expect(before.messages).toHaveLength(2);
    const reset = await c.request("sessions.reset", { key: sessionKey });
    expect(reset).toMatchObject({ ok: true, payload: { ok: true, key: `agent:main:${sessionKey}`, entry: { thinkingLevel: "high", inputTokens: 0, outputTokens: 0, totalTokens: 0, systemSent: false, abortedLastRun: false } } });
    const after = (await c.request("chat.history", { sessionKey })).payload as { sessionId: string; messages: unknown[] };
    expect(after.sessionId).not.toBe(before.sessionId);
    expect(after.messages).toEqual([]);
    c.close();
  });

  test("delete refuses the main session with the original's text; deletes others and archives their transcript", async () => {
    const c = await client();
    for (const key of ["main", "agent:main:main"]) {
      expect((await c.request("sessions.delete", { key })).error).toEqual({ code: "INVALID_REQUEST", message: "Cannot delete the main session (agent:main:main)." });
    }
    const sessionKey = uniqueKey("gone");
    await chat(c, sessionKey, "soon deleted");
    const sessionId = ((await c.request("chat.history", { sessionKey })).payload as { sessionId: string }).sessionId;
    const res = await c.request("sessions.delete", { key: sessionKey });
    expect(res).toMatchObject({ ok: true, payload: { ok: true, key: `agent:main:${sessionKey}`, deleted: true, archived: [expect.stringMatching(new RegExp(`^${sessionId}\\.jsonl\\.deleted\\.`))] } });
    expect(rows(await c.request("sessions.list", { search: sessionKey }))).toEqual([]);
    expect((await c.request("chat.history", { sessionKey })).payload).toMatchObject({ messages: [] });
    expect((await c.request("sessions.delete", { key: sessionKey })).payload).toMatchObject({ deleted: false, archived: [] });
    c.close();
  });

  test("compact keeps the last maxLines transcript lines and archives the rest", async () => {
    const c = await client();
    const sessionKey = uniqueKey("compact");
    await chat(c, sessionKey, "one");
    await chat(c, sessionKey, "two");
    expect((await c.request("sessions.compact", { key: sessionKey, maxLines: 10 })).payload).toMatchObject({ ok: true, compacted: false, kept: 5 });
    const res = await c.request("sessions.compact", { key: sessionKey, maxLines: 2 });
    expect(res).toMatchObject({ ok: true, payload: { ok: true, compacted: true, kept: 2, archived: expect.stringContaining(".jsonl.bak.") } });
    const history = (await c.request("chat.history", { sessionKey })).payload as { messages: { content: { text: string }[] }[] };
    expect(history.messages.map((m) => m.content[0]!.text)).toEqual(["two", "echo: two"]);
    expect((await c.request("sessions.compact", { key: uniqueKey("none") })).payload).toMatchObject({ compacted: false, reason: "no sessionId" });
    c.close();
  });
});

describe("restart", () => {
  test("all replicas restarted: sessions and transcripts are all still there", async () => {
    const c = await client();
    const sessionKey = uniqueKey("durable");
    await c.request("sessions.patch", { key: sessionKey, label: uniqueKey("keep") });
    await chat(c, sessionKey, "remember me");
    const listBefore = rows(await c.request("sessions.list", { includeLastMessage: true }));
    const historyBefore = (await c.request("chat.history", { sessionKey })).payload;
    await Promise.all(replicas.map((r) => r.stop()));
    expect(replicas.every((r) => !r.running)).toBe(true);
    replicas = await Promise.all([stack.start("session-manager"), stack.start("session-manager")]);
    // The edge learns the new replicas through the registry; retry until a call is served.
    let listAfter: Row[] | undefined;
    for (let i = 0; i < 200 && !listAfter; i++) {
      const res = await c.request("sessions.list", { includeLastMessage: true });
      if (res.ok) listAfter = rows(res);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(listAfter).toEqual(listBefore);
    expect((await c.request("chat.history", { sessionKey })).payload).toEqual(historyBefore);
    expect(listBefore.length).toBeGreaterThan(3);
    c.close();
  });
});

describe("result shapes against the original's schema", () => {
  test("models.list, agents.list, agent.identity.get defaults", async () => {
    const c = await client();
    const models = await c.request("models.list", {});
    expect(models.payload).toEqual({ models: [{ id: "echo", name: "Echo", provider: "echo" }] });
    assertOriginalDefinition("ModelsListResult", models.payload);
    const agents = await c.request("agents.list", {});
    expect(agents.payload).toEqual({ defaultId: "main", mainKey: "main", scope: "per-sender", agents: [{ id: "main" }] });
    assertOriginalDefinition("AgentsListResult", agents.payload);
    expect((await c.request("agent.identity.get", {})).payload).toEqual({ agentId: "main", name: "Assistant", avatar: "A" });
    c.close();
  });
});

describe("the original's on-disk store", () => {
  const storeCli = join(dirname(appEntry("session-manager")), "cli.js");
  const run = (args: string[]) => promisify(execFile)(process.execPath, [storeCli, ...args], { env: { ...process.env, ...stack.env() } });

  test("a store in the original's format imports and lists identically; export round-trips", async () => {
    const dir = mkdtempSync(join(tmpdir(), "original-store-"));
    const store = {
      "agent:imported:main": { sessionId: "imp-main", updatedAt: Date.now() - 1_000, label: "Imported main", thinkingLevel: "low", inputTokens: 10, outputTokens: 5 },
      "agent:imported:telegram:group:-42": { sessionId: "imp-group", updatedAt: Date.now() - 2_000, chatType: "group", displayName: "Family", channel: "telegram", totalTokens: 99 },
      "agent:imported:dm:bob": { sessionId: "imp-dm", updatedAt: Date.now() - 3_000, deliveryContext: { channel: "whatsapp", to: "+100" } },
    };
    writeFileSync(join(dir, "sessions.json"), JSON.stringify(store, null, 2));
    const header = { type: "session", version: 3, id: "imp-main", timestamp: "2026-01-01T00:00:00.000Z", cwd: "/home/u" };
    const m1 = { type: "message", id: "u1", parentId: null, timestamp: "2026-01-01T00:00:01.000Z", message: { role: "user", content: [{ type: "text", text: "old question" }], timestamp: 1767225601000 } };
    const m2 = { type: "message", id: "a1", parentId: "u1", timestamp: "2026-01-01T00:00:02.000Z", message: { role: "assistant", content: [{ type: "text", text: "old answer" }], timestamp: 1767225602000, stopReason: "stop" } };
    writeFileSync(join(dir, "imp-main.jsonl"), [header, m1, m2].map((l) => JSON.stringify(l)).join("\n") + "\n");

    const imported = await run(["import", dir]);
    expect(JSON.parse(imported.stdout)).toMatchObject({ command: "import", sessions: 3, transcripts: 1, records: 3 });

    const c = await client();
    const list = await c.request("sessions.list", { agentId: "imported" });
    // The rows the original builds from these entries (spec §7.4), newest first.
    expect(rows(list)).toEqual([
      { key: "agent:imported:main", kind: "direct", updatedAt: store["agent:imported:main"].updatedAt, sessionId: "imp-main", label: "Imported main", thinkingLevel: "low", inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      {
        key: "agent:imported:telegram:group:-42",
        kind: "group",
        updatedAt: store["agent:imported:telegram:group:-42"].updatedAt,
        sessionId: "imp-group",
        chatType: "group",
        displayName: "Family",
        channel: "telegram",
        totalTokens: 99,
      },
      {
        key: "agent:imported:dm:bob",
        kind: "direct",
        updatedAt: store["agent:imported:dm:bob"].updatedAt,
        sessionId: "imp-dm",
        deliveryContext: { channel: "whatsapp", to: "+100" },
        lastChannel: "whatsapp",
        lastTo: "+100",
        totalTokens: 0,
      },
    ]);
    const history = await c.request("chat.history", { sessionKey: "agent:imported:main" });
    expect(history.payload).toMatchObject({ sessionId: "imp-main", messages: [m1.message, m2.message] });
    // The imported session goes on: a new message chains to the imported ones.
    await chat(c, "agent:imported:main", "new question");

    const out = mkdtempSync(join(tmpdir(), "exported-store-"));
    await run(["export", out]);
    const exported = JSON.parse(readFileSync(join(out, "sessions.json"), "utf8")) as Record<string, { updatedAt: number }>;
    expect(exported["agent:imported:telegram:group:-42"]).toEqual(store["agent:imported:telegram:group:-42"]);
    expect(exported["agent:imported:dm:bob"]).toEqual(store["agent:imported:dm:bob"]);
    expect(readdirSync(out)).toContain("imp-main.jsonl");
    const lines = readFileSync(join(out, "imp-main.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { parentId?: string; message?: { content: { text: string }[] } });
    expect(lines.slice(0, 3)).toEqual([header, m1, m2]);
    expect(lines.slice(3).map((l) => l.message!.content[0]!.text)).toEqual(["new question", "echo: new question"]);
    expect(lines[3]!.parentId).toBe("a1");

    // Export, import into a fresh deployment, export again: the same files.
    const other = new Stack({ natsUrl: nats.url });
    const again = mkdtempSync(join(tmpdir(), "reexported-store-"));
    const runOther = (args: string[]) => promisify(execFile)(process.execPath, [storeCli, ...args], { env: { ...process.env, ...other.env() } });
    await runOther(["import", out]);
    await runOther(["export", again]);
    expect(readdirSync(again).sort()).toEqual(readdirSync(out).sort());
    for (const name of readdirSync(out)) expect([name, readFileSync(join(again, name), "utf8")]).toEqual([name, readFileSync(join(out, name), "utf8")]);
    c.close();
  });
});
