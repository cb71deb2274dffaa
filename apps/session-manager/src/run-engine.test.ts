import { randomBytes } from "node:crypto";
import { type ChatEvent, natsNames } from "@clawdbot/protocol";
import { useNatsServer } from "@clawdbot/testkit";
import { pino } from "pino";
import { expect, test } from "vitest";
import { RunEngine } from "./chat-runs.js";
import { IdempotencyStore } from "./idempotency.js";
import type { ModelProvider, ProviderRequest } from "./providers/types.js";
import { sleep } from "./providers/types.js";
import { AbortService } from "./run-abort.js";
import { RunEvents } from "./run-events.js";
import { RunRegistry } from "./run-registry.js";
import { RunResults } from "./run-results.js";
import { OWNER_LOST, Reaper } from "./run-takeover.js";
import { SessionStore } from "./session-store.js";
import { TranscriptStore } from "./transcript-store.js";

// Two "replicas" in one process on a real nats-server: the lease and takeover protocol, and
// aborts through the owner's internal subject.

const log = pino({ level: "silent" });
const nats = useNatsServer();

/** Yields a word every 20 ms until aborted. */
const endless: ModelProvider = {
  id: "endless",
  async *stream(request: ProviderRequest) {
    for (let i = 0; ; i++) {
      await sleep(20, request.signal);
      yield `w${i} `;
    }
  },
};

async function replicas(leaseMs: number) {
  const { nc } = nats;
  const names = natsNames(`t${randomBytes(5).toString("hex")}`);
  const js = nc.jetstream();
  const stores = {
    sessions: await SessionStore.open(js, names, log),
    transcripts: await TranscriptStore.open(js, await nc.jetstreamManager(), names, "/"),
    registry: await RunRegistry.open(js, names, log),
    dedupe: await IdempotencyStore.open(js, names),
    results: await RunResults.open(js, names),
    events: new RunEvents(nc, names),
  };
  const settings = { leaseMs, echoWordDelayMs: 0, deltaThrottleMs: 0, drainMs: 0 };
  const make = (instanceId: string) => {
    const engine = new RunEngine({ instanceId, log, settings, ...stores });
    const takeover = { instanceId, log, leaseMs, ...stores };
    return { engine, reaper: new Reaper({ ...takeover, engine }), aborts: new AbortService({ ...takeover, nc, names, engine }) };
  };
  const chat: ChatEvent[] = [];
  const sub = nc.subscribe(names.event("chat"), { callback: (_e, m) => chat.push(m.json<ChatEvent>()) });
  return { names, stores, make, chat, stop: () => sub.unsubscribe() };
}

const request = (runId: string) => ({
  runId,
  kind: "chat" as const,
  sessionKey: "main",
  storeKey: "agent:main:main",
  sessionId: "s1",
  message: "go",
  chatEvents: true,
  expiresAtMs: Date.now() + 60_000,
  model: { provider: "endless", model: "x" },
});

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("an owner that cannot refresh its lease is taken over: one error event, and the owner stops silently", async () => {
  const env = await replicas(300);
  const a = env.make("a");
  const b = env.make("b");
  // a never refreshes (its lease timer is not started), as if it lost NATS; b sweeps.
  const run = (await a.engine.register(request("r1")))!;
  const outcome = a.engine.run(run, endless);
  await until("deltas", () => env.chat.some((e) => e.state === "delta"));
  b.reaper.start();
  await until("the takeover", () => env.chat.some((e) => e.state === "error"));
  expect(env.chat.filter((e) => e.state === "error")).toEqual([{ runId: "r1", sessionKey: "main", seq: expect.any(Number), state: "error", errorMessage: OWNER_LOST }]);
  // The owner's next refresh finds the record changed and stops without another terminal event.
  await a.engine.refreshLeases();
  expect((await outcome).status).toBe("lost");
  await new Promise((r) => setTimeout(r, 200));
  const terminal = env.chat.filter((e) => e.state !== "delta");
  expect(terminal).toHaveLength(1);
  expect(await env.stores.registry.get("r1")).toBeUndefined();
  expect(await env.stores.dedupe.get("chat", "r1")).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", message: OWNER_LOST } });
  expect(await env.stores.results.get("r1")).toMatchObject({ status: "error", error: OWNER_LOST });
  b.reaper.stop();
  env.stop();
});

test("abort through another replica reaches the owner; a dead owner's run is aborted by the caller", async () => {
  const env = await replicas(5_000);
  const a = env.make("a");
  const b = env.make("b");
  a.engine.start();
  a.aborts.start();
  const run = (await a.engine.register(request("r2")))!;
  const outcome = a.engine.run(run, endless);
  await until("deltas", () => env.chat.some((e) => e.runId === "r2" && e.state === "delta"));
  expect(await b.aborts.abortSession("agent:main:main", "rpc")).toEqual({ ok: true, aborted: true, runIds: ["r2"] });
  expect((await outcome).status).toBe("aborted");
  expect(env.chat.filter((e) => e.runId === "r2" && e.state !== "delta")).toEqual([{ runId: "r2", sessionKey: "main", seq: expect.any(Number), state: "aborted", stopReason: "rpc" }]);
  // The aborted run keeps its partial reply in the transcript.
  const records = await env.stores.transcripts.read("s1");
  expect(records.at(-1)).toMatchObject({ message: { role: "assistant", stopReason: "aborted" } });

  // An owner that is gone (nobody on its abort subject): the caller takes the run over.
  const c = env.make("c");
  const orphan = (await c.engine.register(request("r3")))!;
  void c.engine.run(orphan, endless);
  await until("deltas", () => env.chat.some((e) => e.runId === "r3" && e.state === "delta"));
  expect(await b.aborts.abortSession("agent:main:main", "rpc")).toEqual({ ok: true, aborted: true, runIds: ["r3"] });
  await until("the aborted event", () => env.chat.some((e) => e.runId === "r3" && e.state === "aborted"));
  expect(await env.stores.registry.get("r3")).toBeUndefined();
  a.engine.stop();
  await a.aborts.stop();
  await c.engine.refreshLeases();
  env.stop();
});
