// Fault: SIGKILL of one of two session-manager replicas while 20 chat runs stream, clients on
// two edges behind HAProxy, JetStream on three nodes. Every run must end (final, or error once
// its owner's lease lapses), and no transcript may miss a message whose chat.send was acknowledged.
import { type Cluster, startCluster } from "@clawdbot/cluster";
import { RawClient } from "@clawdbot/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type ChatPayload, nextChat, textOf, uniqueKey, words } from "../chat-helpers.js";
import { recordFigures } from "./figures.js";

const RUNS = 20;
const LEASE_MS = 2_000;
let cluster: Cluster;
const clients: RawClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    services: ["session-manager"],
    env: { CLAWDBOT_RUN_LEASE_MS: String(LEASE_MS), CLAWDBOT_ECHO_WORD_DELAY_MS: "40", CLAWDBOT_REQUEST_TIMEOUT_MS: "10000" },
  });
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
}, 60_000);

interface HistoryMessage {
  role: string;
  content: { text: string }[];
}

async function history(c: RawClient, sessionKey: string): Promise<HistoryMessage[]> {
  const res = await c.request("chat.history", { sessionKey, limit: 1000 });
  expect(res, JSON.stringify(res)).toMatchObject({ ok: true });
  return (res.payload as { messages: HistoryMessage[] }).messages;
}

test(`SIGKILL of a session-manager replica during ${RUNS} chat runs: every run ends, no acknowledged message is lost`, async () => {
  for (let i = 0; i < RUNS; i++) clients.push((await RawClient.connect(cluster.url, { token: cluster.token })).client);
  const runs = clients.map((client, i) => ({ client, runId: uniqueKey(), sessionKey: uniqueKey(`fault-${i}`), message: words(150, `r${i}w`) }));
  // Acknowledged = chat.send answered `started`: from then on the user message must be kept.
  const acks = await Promise.all(runs.map((r) => r.client.request("chat.send", { sessionKey: r.sessionKey, message: r.message, idempotencyKey: r.runId })));
  for (const [i, ack] of acks.entries()) expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, payload: { runId: runs[i]!.runId, status: "started" } });
  await Promise.all(runs.map((r) => nextChat(r.client, r.runId, ["delta"])));

  const victim = cluster.services.find((s) => s.name === "session-manager-1")!;
  const killedAt = Date.now();
  victim.kill();
  await victim.exited;

  // Generous deadline: a run never stays in flight. How soon the orphans end is a figure.
  const ends = await Promise.all(
    runs.map(async (r) => {
      const end = await nextChat(r.client, r.runId, ["final", "error", "aborted"], LEASE_MS + 60_000);
      return { ...r, end: end.payload as ChatPayload, afterKillMs: Date.now() - killedAt };
    }),
  );
  const finals = ends.filter((e) => e.end.state === "final");
  const errors = ends.filter((e) => e.end.state === "error");
  for (const e of finals) expect(textOf(e.end.message)).toBe(`echo: ${e.message}`);
  for (const e of errors) expect(e.end.errorMessage).toBe("run owner lost");
  expect(finals.length + errors.length).toBe(RUNS);

  // After the kill, every session takes one more message, answered by the surviving replica.
  const followUps = await Promise.all(
    ends.map(async (e) => {
      const runId = uniqueKey();
      const message = `after the kill ${e.sessionKey}`;
      const ack = await e.client.request("chat.send", { sessionKey: e.sessionKey, message, idempotencyKey: runId });
      expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, payload: { status: "started" } });
      const end = await nextChat(e.client, runId, ["final", "error", "aborted"], 30_000);
      expect(end.payload).toMatchObject({ state: "final" });
      return message;
    }),
  );

  // Every acknowledged user message is in its transcript, in order; every final answer too.
  let missing = 0;
  for (const [i, e] of ends.entries()) {
    const messages = (await history(e.client, e.sessionKey)).map((m) => [m.role, m.content.map((c) => c.text).join("")]);
    const expected = [["user", e.message], ...(e.end.state === "final" ? [["assistant", `echo: ${e.message}`]] : []), ["user", followUps[i]!]];
    const present = expected.filter(([role, text]) => messages.some(([r, t]) => r === role && t === text));
    missing += expected.length - present.length;
    expect(messages.filter(([role]) => role === "user").map(([, text]) => text)).toEqual([e.message, followUps[i]]);
    expect(messages).toEqual(expect.arrayContaining(expected));
  }

  recordFigures("session-manager-kill", {
    runs: RUNS,
    leaseMs: LEASE_MS,
    endedFinal: finals.length,
    endedErrorOwnerLost: errors.length,
    maxMsFromKillToOrphanError: Math.max(0, ...errors.map((e) => e.afterKillMs)),
    acknowledgedMessages: RUNS * 2,
    acknowledgedMessagesMissingFromTranscripts: missing,
  });
  expect(missing).toBe(0);
}, 180_000);
