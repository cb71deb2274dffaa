import { randomBytes } from "node:crypto";
import { natsNames } from "@clawdbot/protocol";
import { useNatsServer } from "@clawdbot/testkit";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { IdempotencyStore } from "./idempotency.js";
import { type RunRecord, RunRegistry } from "./run-registry.js";
import { RunResults } from "./run-results.js";
import { SessionStore } from "./session-store.js";
import { textMessage } from "./transcript.js";
import { TranscriptStore } from "./transcript-store.js";

// The JetStream-backed stores against a real nats-server (2.9 on this machine): CAS, sync
// barriers, transcript chains, run registry ownership.

const log = pino({ level: "silent" });
const nats = useNatsServer({ sharedConnection: false });
const names = () => natsNames(`t${randomBytes(5).toString("hex")}`);

describe("SessionStore", () => {
  test("compare-and-set: concurrent updates from two connections all land", async () => {
    const n = names();
    const [a, b] = await Promise.all([nats.connect(), nats.connect()]);
    const [sa, sb] = await Promise.all([SessionStore.open(a.jetstream(), n, log), SessionStore.open(b.jetstream(), n, log)]);
    const key = "agent:main:main";
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? sa : sb).update(key, (cur) => ({ ...(cur ?? { sessionId: "s1", updatedAt: 0 }), [`f${i}`]: i, updatedAt: i })),
      ),
    );
    const entry = await sa.get(key);
    for (let i = 0; i < 20; i++) expect(entry?.[`f${i}`]).toBe(i);
    // The other replica's list sees every acknowledged write (the sync barrier).
    expect((await sb.list()).map(([k]) => k)).toEqual([key]);
    await sa.update(key, () => null);
    expect(await sb.list()).toEqual([]);
    expect(await sb.get(key)).toBeUndefined();
    sa.stop();
    sb.stop();
  });

  test("keys of any shape survive the round trip", async () => {
    const n = names();
    const store = await SessionStore.open((await nats.connect()).jetstream(), n, log);
    const keys = ["agent:main:telegram:group:-100.5", "agent:x:ü日本", "global", "agent:main:a/b=c"];
    for (const key of keys) await store.update(key, () => ({ sessionId: key, updatedAt: 1 }));
    expect((await store.list()).map(([k]) => k).sort()).toEqual([...keys].sort());
    store.stop();
  });
});

describe("TranscriptStore", () => {
  test("a header first, then message records chained by parentId; reads in order", async () => {
    const c = await nats.connect();
    const store = await TranscriptStore.open(c.jetstream(), await c.jetstreamManager(), names(), "/work");
    const written = await store.append("sess-1", [textMessage("user", "hi", 1), textMessage("assistant", "hello", 2)]);
    await store.append("sess-1", [textMessage("user", "again", 3)]);
    const records = await store.read("sess-1");
    expect(records.map((r) => r.type)).toEqual(["session", "message", "message", "message"]);
    expect(records[0]).toMatchObject({ type: "session", version: 3, id: "sess-1", cwd: "/work" });
    expect(records[1]).toMatchObject({ parentId: null, message: { role: "user", content: [{ type: "text", text: "hi" }] } });
    expect(records[2]!.parentId).toBe(written[0]!.id);
    expect(records[3]!.parentId).toBe(written[1]!.id);
    expect(await store.read("other")).toEqual([]);
  });

  test("concurrent appends never fork the chain", async () => {
    const c = await nats.connect();
    const n = names();
    const [s1, s2] = await Promise.all([TranscriptStore.open(c.jetstream(), await c.jetstreamManager(), n, "/"), TranscriptStore.open(c.jetstream(), await c.jetstreamManager(), n, "/")]);
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? s1 : s2).append("x", [textMessage("user", `m${i}`, i)])));
    const records = (await s1.read("x")).slice(1);
    expect(records).toHaveLength(10);
    for (let i = 1; i < records.length; i++) expect(records[i]!.parentId).toBe(records[i - 1]!.id);
  });

  test("files, archive copies and purge", async () => {
    const c = await nats.connect();
    const store = await TranscriptStore.open(c.jetstream(), await c.jetstreamManager(), names(), "/");
    await store.append("a", [textMessage("user", "1", 1)]);
    await store.writeFile("a.jsonl.deleted.2026-01-01T00-00-00.000Z", await store.read("a"));
    await store.purge("a");
    expect(await store.read("a")).toEqual([]);
    expect(Object.fromEntries(await store.files())).toEqual({ "a.jsonl.deleted.2026-01-01T00-00-00.000Z": 2 });
  });
});

describe("RunRegistry, idempotency and results", () => {
  const record = (runId: string): RunRecord => ({
    runId,
    kind: "chat",
    sessionKey: "main",
    storeKey: "agent:main:main",
    sessionId: "s",
    owner: "a",
    startedAt: 1,
    expiresAtMs: 2,
    leaseUntil: Date.now() + 60_000,
    seq: 0,
    chatEvents: true,
  });

  test("one run id is taken once; updates are compare-and-set; removal only at the held revision", async () => {
    const c = await nats.connect();
    const registry = await RunRegistry.open(c.jetstream(), names(), log);
    const rev = await registry.create(record("r1"));
    expect(rev).toBeGreaterThan(0);
    expect(await registry.create(record("r1"))).toBeUndefined();
    const held = (await registry.get("r1"))!;
    const rev2 = await registry.update(held, { ...held.record, seq: 5 });
    expect(rev2).toBeGreaterThan(rev!);
    expect(await registry.update(held, { ...held.record, seq: 6 })).toBeUndefined(); // stale revision
    expect(await registry.remove("r1", held.revision)).toBe(false);
    expect((await registry.forSession("agent:main:main")).map((h) => h.record.seq)).toEqual([5]);
    expect(await registry.remove("r1", rev2!)).toBe(true);
    expect(await registry.forSession("agent:main:main")).toEqual([]);
    expect(await registry.create(record("r1"))).toBeGreaterThan(0); // a deleted id can be taken again
    registry.stop();
  });

  test("idempotency entries and run results round-trip; a waiter wakes on the result", async () => {
    const c = await nats.connect();
    const n = names();
    const dedupe = await IdempotencyStore.open(c.jetstream(), n);
    expect(await dedupe.get("chat", "k")).toBeUndefined();
    await dedupe.set("chat", "k", { ok: true, payload: { runId: "k", status: "ok" } });
    expect(await dedupe.get("chat", "k")).toMatchObject({ ok: true, payload: { runId: "k", status: "ok" } });
    expect(await dedupe.get("agent", "k")).toBeUndefined();
    const results = await RunResults.open(c.jetstream(), n);
    const waiting = results.wait("r9", 10_000);
    await new Promise((r) => setTimeout(r, 50));
    await results.set({ runId: "r9", status: "ok", startedAt: 1, endedAt: 2 });
    expect(await waiting).toEqual({ runId: "r9", status: "ok", startedAt: 1, endedAt: 2 });
    expect(await results.wait("nothing", 100)).toBeUndefined();
  });
});
