import type { Msg, MsgHdrs, NatsConnection } from "nats";
import { describe, expect, test } from "vitest";
import { BoundHeaders, CallerContextReader, contextToHeaders } from "./context.js";
import { uniqueNames, useBus } from "./bus.fixture.js";

const { newConnection } = useBus();

/** Publishes each header block on a fresh subject and returns the messages as nats.js delivers them. */
async function received(nc: NatsConnection, blocks: (MsgHdrs | undefined)[]): Promise<Msg[]> {
  const subject = uniqueNames().rpc("probe");
  const msgs: Msg[] = [];
  const sub = nc.subscribe(subject, { max: blocks.length, callback: (_err, msg) => void msgs.push(msg) });
  for (const headers of blocks) nc.publish(subject, new TextEncoder().encode("{}"), headers ? { headers } : {});
  await nc.flush();
  await sub.closed;
  return msgs;
}

const identity = { connId: "conn-1", edgeId: "edge-1", clientId: "cli", clientMode: "cli", role: "operator", scopes: ["operator.read", "operator.write"] };

describe("CallerContextReader - the caller's context from a received call, each header block decoded once", () => {
  test("a bound caller's block is decoded once and serves every later call with its own id and deadline", async () => {
    const nc = await newConnection();
    const bound = new BoundHeaders(identity, 5_000).asMsgHdrs();
    const [first, second] = await received(nc, [bound, bound]);
    const reader = new CallerContextReader();
    const before = Date.now();
    const a = reader.read(first!, "req-a");
    const b = reader.read(second!, "req-b");
    expect(reader.size).toBe(1);
    expect(a).toMatchObject({ ...identity, requestId: "req-a" });
    expect(b).toMatchObject({ ...identity, requestId: "req-b" });
    // The wait is relative to receipt: each read gets its own deadline from the clock.
    expect(b.deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(b.deadline).toBeLessThanOrEqual(Date.now() + 5_000);
    // Nothing of one call's context is shared but what never changes.
    expect(a).not.toBe(b);
  });

  test("blocks that carry a request id or an absolute deadline are read but never remembered", async () => {
    const nc = await newConnection();
    const msgs = await received(nc, [
      contextToHeaders({ requestId: "r-1", ...identity, deadline: 1_900_000_000_000 }),
      contextToHeaders({ requestId: "r-2", role: "node" }),
    ]);
    const reader = new CallerContextReader();
    expect(reader.read(msgs[0]!, "fallback")).toStrictEqual({ requestId: "r-1", ...identity, deadline: 1_900_000_000_000 });
    expect(reader.read(msgs[1]!, "fallback")).toStrictEqual({ requestId: "r-2", role: "node" });
    expect(reader.size).toBe(0);
  });

  test("a call without headers gets the envelope's id and nothing else", async () => {
    const nc = await newConnection();
    const [msg] = await received(nc, [undefined]);
    expect(new CallerContextReader().read(msg!, "from-envelope")).toStrictEqual({ requestId: "from-envelope" });
  });

  test("remembers at most its capacity, dropping the oldest block first", async () => {
    const nc = await newConnection();
    const blocks = ["a", "b", "c"].map((connId) => new BoundHeaders({ connId }, 1_000).asMsgHdrs());
    const msgs = await received(nc, [...blocks, blocks[0]]);
    const reader = new CallerContextReader(2);
    for (const msg of msgs) reader.read(msg, "r");
    expect(reader.size).toBe(2);
    expect(reader.read(msgs[3]!, "r").connId).toBe("a");
  });

  test("a message without nats.js's internals (another client library's shape) falls back to its decoded headers", () => {
    const headers = contextToHeaders({ requestId: "r", role: "operator" });
    const foreign = { headers } as unknown as Msg;
    const reader = new CallerContextReader();
    expect(reader.read(foreign, "fallback")).toStrictEqual({ requestId: "r", role: "operator" });
    expect(reader.size).toBe(0);
  });
});
