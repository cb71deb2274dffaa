import { describe, expect, test } from "vitest";
import type { CloseInfo } from "./connection.js";
import { NO_ANSWER } from "./fake-gateway.fixture.js";
import { useHarness } from "./harness.fixture.js";

const h = useHarness();

describe("reconnect", () => {
  test("a dropped connection is reopened with backoff; in-flight calls reject, the next call succeeds", async () => {
    const gateway = await h.gateway({ methods: { hang: () => NO_ANSWER, ping: () => "pong" } });
    const closes: CloseInfo[] = [];
    const hellos: string[] = [];
    const delays: { attempt: number; delayMs: number }[] = [];
    const client = h.client(gateway, {
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      onClose: (i) => closes.push(i),
      onHello: (hello) => hellos.push(hello.server.connId),
      onReconnect: (r) => delays.push(r),
    });
    await client.connect();
    const inFlight = client.call("hang");
    await expect.poll(() => gateway.connections[0]!.frames.some((f) => f.method === "hang")).toBe(true);

    gateway.refuseUpgrades = 3; // the gateway is down for three attempts
    gateway.connections[0]!.ws.terminate();
    await expect(inFlight).rejects.toMatchObject({ code: "UNAVAILABLE", message: "gateway closed (1006): no reason" });
    expect(await client.call("ping")).toBe("pong"); // waits for the reconnect

    expect(hellos).toEqual(["conn-1", "conn-2"]);
    expect(gateway.refuseUpgrades).toBe(0);
    expect(closes.map((c) => ({ code: c.code, local: c.local, wasOpen: c.wasOpen }))).toEqual([
      { code: 1006, local: false, wasOpen: true },
      { code: 1006, local: false, wasOpen: false },
      { code: 1006, local: false, wasOpen: false },
      { code: 1006, local: false, wasOpen: false },
    ]);
    expect(client.state).toBe("open");
    // Exponential with up to half taken off at random: 20, 40, 80, then capped at 100.
    expect(delays.map((d) => d.attempt)).toEqual([0, 1, 2, 3]);
    for (const [i, { delayMs }] of delays.entries()) {
      const full = Math.min(100, 20 * 2 ** i);
      expect(delayMs).toBeGreaterThanOrEqual(full / 2);
      expect(delayMs).toBeLessThanOrEqual(full);
    }

    // hello-ok resets the backoff: the next drop starts from attempt 0 again.
    gateway.connections[1]!.ws.terminate();
    await expect.poll(() => hellos).toHaveLength(3);
    expect(delays.at(-1)!.attempt).toBe(0);
  });

  test("after a shutdown event new calls wait for the next connection; calls already sent are answered on this one", async () => {
    const gateway = await h.gateway({ methods: { ping: (_p, conn) => gateway.connections.indexOf(conn), hang: () => NO_ANSWER } });
    const client = h.client(gateway, { reconnect: { initialDelayMs: 50, maxDelayMs: 50 } });
    await client.connect();
    const first = gateway.connections[0]!;
    const before = client.call("ping");
    first.event("shutdown", { reason: "gateway stopping", restartExpectedMs: 100 });
    expect(await before).toBe(0);
    const after = client.call("ping");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(first.frames.filter((f) => f.method === "ping")).toHaveLength(1); // nothing new on the closing socket
    first.ws.close(1012, "service restart");
    expect(await after).toBe(1);
  });

  test("replayEvents: after a reconnect it asks for what it missed, and handlers get it in seq order before anything newer", async () => {
    const gateway = await h.gateway({
      methods: {
        "events.replay": (params, conn) => {
          // A live event already went out on this connection; the replay follows it.
          expect(params).toEqual({ sinceSeq: 2 });
          conn.event("heartbeat", { n: 3 }, 3);
          conn.event("heartbeat", { n: 4 }, 4);
          return { fromSeq: 3, toSeq: 4, replayed: 2, oldestSeq: 1 };
        },
      },
    });
    const seen: number[] = [];
    const gaps: unknown[] = [];
    const client = h.client(gateway, { replayEvents: true, reconnect: { initialDelayMs: 20, maxDelayMs: 20 }, onGap: (g) => gaps.push(g) });
    client.on("heartbeat", (payload) => seen.push((payload as { n: number }).n));
    await client.connect();
    gateway.connections[0]!.event("heartbeat", { n: 1 }, 1);
    gateway.connections[0]!.event("heartbeat", { n: 2 }, 2);
    await expect.poll(() => seen).toEqual([1, 2]);
    gateway.connections[0]!.ws.terminate();
    await expect.poll(() => gateway.connections.length).toBe(2);
    await expect.poll(() => gateway.connections[1]!.frames.some((f) => f.method === "events.replay")).toBe(true);
    gateway.connections[1]!.event("heartbeat", { n: 5 }, 5);
    await expect.poll(() => seen).toEqual([1, 2, 3, 4, 5]);
    expect(gaps).toEqual([]);
  });

  test("calls made while reconnecting wait for the next hello-ok", async () => {
    const gateway = await h.gateway({ methods: { ping: (_p, conn) => gateway.connections.indexOf(conn) } });
    const client = h.client(gateway, { reconnect: { initialDelayMs: 200, maxDelayMs: 200 } });
    await client.connect();
    gateway.connections[0]!.ws.close(1012, "service restart");
    await expect.poll(() => client.state).toBe("connecting");
    expect(await client.call("ping")).toBe(1); // answered on the second connection
  });

  test("connect() while reconnecting waits for the next hello-ok; its timeout does not end the client", async () => {
    const gateway = await h.gateway();
    const client = h.client(gateway, { connectTimeoutMs: 300 });
    const first = await client.connect();
    gateway.refuseUpgrades = Number.POSITIVE_INFINITY;
    gateway.connections[0]!.ws.close(1012, "service restart");
    await expect.poll(() => client.state).toBe("connecting");
    await expect(client.connect()).rejects.toMatchObject({ kind: "timeout" });
    expect(client.state).toBe("connecting"); // still trying
    gateway.refuseUpgrades = 0;
    const second = await client.connect();
    expect(second.server.connId).not.toBe(first.server.connId);
  });

  test("a server-side refusal after a drop ends the client instead of retrying forever", async () => {
    const gateway = await h.gateway();
    const client = h.client(gateway);
    await client.connect();
    gateway.options.token = "rotated";
    gateway.connections[0]!.ws.close(1012, "service restart");
    await expect.poll(() => client.state).toBe("closed");
    expect(gateway.connections).toHaveLength(2);
  });

  test("reconnect: false stays closed after a drop", async () => {
    const gateway = await h.gateway();
    const closes: CloseInfo[] = [];
    const client = h.client(gateway, { reconnect: false, onClose: (i) => closes.push(i) });
    await client.connect();
    gateway.connections[0]!.ws.close(1012, "service restart");
    await expect.poll(() => client.state).toBe("closed");
    expect(closes).toEqual([{ code: 1012, reason: "service restart", local: false, wasOpen: true }]);
  });

  test("an attempt that never gets hello-ok is abandoned after handshakeTimeoutMs and retried", async () => {
    const gateway = await h.gateway({ silent: true });
    const closes: CloseInfo[] = [];
    const client = h.client(gateway, { handshakeTimeoutMs: 300, onClose: (i) => closes.push(i) });
    const connecting = client.connect();
    await gateway.connection(1); // a second attempt came
    expect(closes[0]).toMatchObject({ code: 4008, reason: "handshake timeout", local: true, wasOpen: false, error: { kind: "timeout" } });
    gateway.options.silent = false;
    await connecting;
    expect(client.state).toBe("open");
  });
});

describe("tick watchdog", () => {
  test("no tick for 2× tickIntervalMs closes with 4000 'tick timeout', then a new connection is made", async () => {
    const gateway = await h.gateway({ tickIntervalMs: 100 });
    const closes: CloseInfo[] = [];
    const hellos: string[] = [];
    const client = h.client(gateway, { onClose: (i) => closes.push(i), onHello: (hello) => hellos.push(hello.server.connId) });
    await client.connect();
    expect(client.policy.tickIntervalMs).toBe(100);

    expect(await gateway.connections[0]!.closed).toEqual({ code: 4000, reason: "tick timeout" });
    expect(closes[0]).toEqual({ code: 4000, reason: "tick timeout", local: true, wasOpen: true });
    await expect.poll(() => hellos, { timeout: 10_000 }).toEqual(["conn-1", "conn-2"]);
  });

  test("ticks keep the connection open", async () => {
    // Ticks five times as often as promised, so a busy machine cannot starve the budget.
    const gateway = await h.gateway({ tickIntervalMs: 500 });
    const closes: CloseInfo[] = [];
    const client = h.client(gateway, { onClose: (i) => closes.push(i) });
    await client.connect();
    const conn = gateway.connections[0]!;
    const ticker = setInterval(() => conn.event("tick", { ts: Date.now() }), 100);
    try {
      // Long enough for a few watchdog checks (every max(500, 1000) ms).
      let ticks = 0;
      for await (const _ of client.events("tick")) if (++ticks === 30) break;
      expect(closes).toEqual([]);
    } finally {
      clearInterval(ticker);
    }
  });

  test("tickWatchdog: false keeps a silent connection", async () => {
    const gateway = await h.gateway({ tickIntervalMs: 100, methods: { ping: () => "pong" } });
    const closes: CloseInfo[] = [];
    const client = h.client(gateway, { tickWatchdog: false, onClose: (i) => closes.push(i) });
    await client.connect();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await client.call("ping")).toBe("pong");
    expect(closes).toEqual([]);
  });
});
