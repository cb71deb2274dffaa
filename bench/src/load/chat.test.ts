import { expect, test } from "vitest";
import type { OnReplyFrame, WsCaller } from "./callers.js";
import { ChatListener, chatRunId } from "./chat.js";

/** Stands in for a connection: frames are pushed into it, requests are answered by the test. */
class FakeConnection {
  onEventFrame: ((frame: Buffer) => void) | undefined;
  readonly requests: { method: string; params: { idempotencyKey: string }; onReply: OnReplyFrame }[] = [];
  request(method: string, params: { idempotencyKey: string }, onReply: OnReplyFrame): void {
    this.requests.push({ method, params, onReply });
  }
  push(event: string, payload: unknown): void {
    this.onEventFrame?.(Buffer.from(JSON.stringify({ type: "event", event, payload, seq: 1 })));
  }
}

const asCallers = (c: FakeConnection[]) => c as unknown as WsCaller[];
const final = (runId: string, text: string) => ({ runId, sessionKey: runId, seq: 9, state: "final", message: { role: "assistant", content: [{ type: "text", text }], timestamp: 1 } });

test("runs are spread over the connections, each on its own session, and acked as started", async () => {
  const conns = [new FakeConnection(), new FakeConnection()];
  const listener = new ChatListener(asCallers(conns), "b", 3, "echo: hi");
  const acked = listener.send(1, 3, "hi");
  expect(conns.map((c) => c.requests.map((r) => r.params.idempotencyKey))).toEqual([[chatRunId("b", 1, 0), chatRunId("b", 1, 2)], [chatRunId("b", 1, 1)]]);
  expect(conns[0]!.requests[0]).toMatchObject({ method: "chat.send", params: { sessionKey: "b-w1-r0", message: "hi" } });
  for (const c of conns) for (const r of c.requests) r.onReply(true, Buffer.from(`{"type":"res","id":"0","ok":true,"payload":{"runId":"${r.params.idempotencyKey}","status":"started"}}`));
  await acked;
  expect(listener.result().failures).toBe(0);
});

test("counts the batch's deltas and agent events per run, and is done when every connection has every final", async () => {
  const conns = [new FakeConnection(), new FakeConnection()];
  const listener = new ChatListener(asCallers(conns), "b", 2, "echo: hi");
  let done = false;
  void listener.finished.then(() => (done = true));
  for (const c of conns) {
    c.push("agent", { runId: "b-w0-r0", seq: 1, stream: "assistant", data: {} });
    c.push("chat", { runId: "b-w0-r0", sessionKey: "s", seq: 1, state: "delta", message: {} });
    c.push("chat", { runId: "other-w0-r0", sessionKey: "s", seq: 1, state: "delta", message: {} });
    c.push("tick", { ts: 1 });
    c.push("chat", final("b-w0-r0", "echo: hi"));
  }
  conns[0]!.push("chat", final("b-w0-r1", "echo: hi"));
  await Promise.resolve();
  expect(done).toBe(false);
  conns[1]!.push("chat", final("b-w0-r1", "echo: h"));
  await listener.finished;
  const result = listener.result();
  expect(result.deltas).toEqual(new Map([["b-w0-r0", 2]]));
  expect(result.agents).toEqual(new Map([["b-w0-r0", 2]]));
  expect(result.finals).toBe(4);
  expect(result.arrivals.get("b-w0-r0|1|delta")).toHaveLength(2);
  expect(result.failures).toBe(1);
  expect(result.failureSamples[0]).toContain("b-w0-r1: final with text");
  expect(listener.progress()).toEqual({ deltas: 2, finals: 4 });
});
