import { describe, expect, expectTypeOf, test } from "vitest";
import type { TickPayload } from "../frames.js";
import type { GatewayEvent } from "./event-payloads.js";
import { useHarness } from "./harness.fixture.js";

const h = useHarness();

describe("events", () => {
  test("on(name) receives payloads typed by name; '*' receives all; unsubscribe stops delivery", async () => {
    const gateway = await h.gateway();
    const client = h.client(gateway);
    const ticks: number[] = [];
    const all: string[] = [];
    const heartbeats: unknown[] = [];
    const offTick = client.on("tick", (payload, event) => {
      expectTypeOf(payload).toEqualTypeOf<TickPayload>();
      ticks.push(payload.ts);
      expect(event.event).toBe("tick");
    });
    client.on("*", (_payload, event) => all.push(event.event));
    client.on("heartbeat", (payload) => {
      expectTypeOf(payload).toBeUnknown();
      heartbeats.push(payload);
    });
    await client.connect();
    const conn = gateway.connections[0]!;
    conn.event("tick", { ts: 1 });
    conn.event("heartbeat", { n: 1 });
    await expect.poll(() => heartbeats).toHaveLength(1);
    offTick();
    conn.event("tick", { ts: 2 });
    conn.event("heartbeat", { n: 2 });
    await expect.poll(() => heartbeats).toHaveLength(2);
    expect(ticks).toEqual([1]);
    expect(all).toEqual(["connect.challenge", "tick", "heartbeat", "tick", "heartbeat"]);
  });

  test("a throwing handler goes to onError; other handlers still run", async () => {
    const gateway = await h.gateway();
    const errors: unknown[] = [];
    const client = h.client(gateway, { onError: (e) => errors.push(e) });
    const seen: unknown[] = [];
    client.on("cron", () => {
      throw new Error("handler bug");
    });
    client.on("cron", (p) => seen.push(p));
    await client.connect();
    gateway.connections[0]!.event("cron", { jobId: "j" });
    await expect.poll(() => seen).toEqual([{ jobId: "j" }]);
    expect(errors).toEqual([new Error("handler bug")]);
  });

  test("events(name) is an async iterator: in order, buffered, ends on break", async () => {
    const gateway = await h.gateway();
    const client = h.client(gateway);
    await client.connect();
    const conn = gateway.connections[0]!;
    const iterator = client.events("tick");
    for (let i = 1; i <= 3; i++) conn.event("tick", { ts: i });
    conn.event("heartbeat", {});
    const got: GatewayEvent<"tick">[] = [];
    for await (const ev of iterator) {
      got.push(ev);
      if (got.length === 3) break;
    }
    expect(got.map((e) => e.payload.ts)).toEqual([1, 2, 3]);
    expect(got[0]).toEqual({ event: "tick", payload: { ts: 1 }, seq: 1 });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  test("events() with no name yields everything; an AbortSignal ends it", async () => {
    const gateway = await h.gateway();
    const client = h.client(gateway);
    await client.connect();
    const abort = new AbortController();
    const names: string[] = [];
    const consumer = (async () => {
      for await (const ev of client.events(undefined, { signal: abort.signal })) {
        names.push(ev.event);
        if (ev.event === "shutdown") abort.abort();
      }
    })();
    const conn = gateway.connections[0]!;
    conn.event("presence", { presence: [] });
    conn.event("shutdown", { reason: "gateway stopping" });
    await consumer;
    expect(names).toEqual(["presence", "shutdown"]);
  });

  test("onGap reports seq jumps on one connection; a new connection starts a new count", async () => {
    const gateway = await h.gateway();
    const gaps: { expected: number; received: number }[] = [];
    const hellos: string[] = [];
    const client = h.client(gateway, { onGap: (g) => gaps.push(g), onHello: (hello) => hellos.push(hello.server.connId) });
    const seen: number[] = [];
    client.on("heartbeat", (_p, ev) => seen.push(ev.seq!));
    await client.connect();
    const first = gateway.connections[0]!;
    for (const seq of [1, 2, 5, 6, 9]) first.event("heartbeat", {}, seq);
    await expect.poll(() => seen).toHaveLength(5);
    expect(gaps).toEqual([
      { expected: 3, received: 5 },
      { expected: 7, received: 9 },
    ]);

    first.ws.close(1012, "service restart"); // e.g. another edge behind the load balancer next
    await expect.poll(() => hellos).toHaveLength(2);
    const second = gateway.connections[1]!;
    for (const seq of [40, 41]) second.event("heartbeat", {}, seq);
    await expect.poll(() => seen).toHaveLength(7);
    expect(gaps).toHaveLength(2); // 9 → 40 across connections is not a gap
  });
});
