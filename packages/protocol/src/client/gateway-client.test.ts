import { describe, expect, test, vi } from "vitest";
import { GatewayError } from "../errors.js";
import { NO_ANSWER } from "./fake-gateway.fixture.js";
import { TOKEN, useHarness } from "./harness.fixture.js";

const h = useHarness();

describe("connect", () => {
  test("waits for connect.challenge, sends connect with client info and token, resolves with hello-ok", async () => {
    const gateway = await h.gateway();
    const nonces: (string | undefined)[] = [];
    const client = h.client(gateway, {
      client: { id: "cli", mode: "cli", version: "1.2.3" },
      scopes: ["operator.read"],
      device: (nonce) => (nonces.push(nonce), undefined),
    });
    expect(client.state).toBe("idle");
    expect(client.policy.tickIntervalMs).toBe(30_000); // protocol default before hello
    const hello = await client.connect();

    const conn = gateway.connections[0]!;
    expect(nonces).toEqual([conn.nonce]);
    expect(conn.frames).toHaveLength(1);
    expect(conn.connectFrame).toMatchObject({
      type: "req",
      method: "connect",
      params: { minProtocol: 3, maxProtocol: 3, client: { id: "cli", mode: "cli", version: "1.2.3", platform: process.platform }, auth: { token: TOKEN }, scopes: ["operator.read"] },
    });
    expect(hello).toEqual(gateway.hello(conn));
    expect(client.hello).toEqual(hello);
    expect(client.policy).toEqual(hello.policy);
    expect(client.state).toBe("open");
    expect(await client.connect()).toBe(hello); // already open: the same hello
  });

  test("without a challenge it connects anyway after the fallback delay, without a nonce", async () => {
    const gateway = await h.gateway({ challenge: false });
    const nonces: (string | undefined)[] = [];
    const client = h.client(gateway, { device: (nonce) => (nonces.push(nonce), undefined) });
    const hello = await client.connect();
    expect(hello.type).toBe("hello-ok");
    expect(nonces).toEqual([undefined]);
    expect(gateway.connections).toHaveLength(1);
  });

  test("a refused connect rejects with the server's GatewayError and does not retry", async () => {
    const gateway = await h.gateway();
    const client = h.client(gateway, { token: "wrong" });
    const err = await client.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch" });
    expect(client.state).toBe("closed"); // no reconnect timer is left running
    await expect(client.call("health")).rejects.toMatchObject({ code: "NOT_CONNECTED" });
  });

  test("an unreachable gateway rejects connect() after connectTimeoutMs and closes the client", async () => {
    const gateway = await h.gateway();
    gateway.refuseUpgrades = Number.POSITIVE_INFINITY;
    const closes: number[] = [];
    const client = h.client(gateway, { connectTimeoutMs: 500, onClose: (info) => closes.push(info.code) });
    await expect(client.connect()).rejects.toMatchObject({ code: "UNAVAILABLE", kind: "timeout" });
    expect(client.state).toBe("closed");
    expect(closes.length).toBeGreaterThan(0); // it did try (and retry) meanwhile
  });

  test("a missing WebSocket implementation is reported, not thrown at construction", async () => {
    const gateway = await h.gateway();
    vi.stubGlobal("WebSocket", undefined); // as in Node 20, which has no global WebSocket
    try {
      const client = h.client(gateway, { WebSocket: undefined });
      await expect(client.connect()).rejects.toThrow(/no WebSocket implementation/);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("call", () => {
  test("sends req frames, resolves with the payload; unknown methods are callable", async () => {
    const gateway = await h.gateway({
      methods: {
        "sessions.list": (params) => ({ ts: 1, path: "/s", count: 0, defaults: { modelProvider: null, model: null, contextTokens: null }, sessions: [], echo: params }),
        "custom.thing": (params) => ({ got: params }),
      },
    });
    const client = h.client(gateway);
    await client.connect();
    const list = await client.call("sessions.list", { limit: 5 });
    expect(list).toMatchObject({ count: 0, echo: { limit: 5 } });
    expect(await client.call("custom.thing", { a: 1 })).toEqual({ got: { a: 1 } });
    const sent = gateway.connections[0]!.frames.filter((f) => f.method !== "connect");
    expect(sent).toEqual([
      { type: "req", id: expect.any(String), method: "sessions.list", params: { limit: 5 } },
      { type: "req", id: expect.any(String), method: "custom.thing", params: { a: 1 } },
    ]);
    expect(new Set(gateway.connections[0]!.frames.map((f) => f.id)).size).toBe(3); // ids unique per connection
  });

  test("an error res rejects with a GatewayError carrying code, message, details, retryable", async () => {
    const gateway = await h.gateway({
      methods: {
        fail: () => {
          throw { code: "UNAVAILABLE", message: "no session-manager", details: { service: "sm" }, retryable: true, retryAfterMs: 50 };
        },
      },
    });
    const client = h.client(gateway);
    await client.connect();
    const err = await client.call("fail").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: "UNAVAILABLE", message: "no session-manager", details: { service: "sm" }, retryable: true, retryAfterMs: 50 });
    await expect(client.call("nope.never")).rejects.toMatchObject({ code: "INVALID_REQUEST", message: "unknown method: nope.never" });
  });

  test("a call without an answer rejects after its timeout; a late answer is ignored", async () => {
    let late: (() => void) | undefined;
    const gateway = await h.gateway({
      methods: {
        slow: (_p, conn, frame) => {
          late = () => conn.send({ type: "res", id: frame.id, ok: true, payload: "late" });
          return NO_ANSWER;
        },
        quick: () => "ok",
      },
    });
    const client = h.client(gateway, { requestTimeoutMs: 300 });
    await client.connect();
    await expect(client.call("slow")).rejects.toMatchObject({ code: "UNAVAILABLE", kind: "timeout", details: { method: "slow", timeoutMs: 300 } });
    await expect(client.call("slow", {}, { timeoutMs: 100 })).rejects.toMatchObject({ kind: "timeout", details: { timeoutMs: 100 } });
    late!();
    expect(await client.call("quick")).toBe("ok"); // the connection is still fine
  });

  test("expectFinal skips the interim accepted res (agent answers twice with one id)", async () => {
    const agent = (_p: unknown, conn: { send(f: unknown): void }, frame: { id?: string }) => {
      conn.send({ type: "res", id: frame.id, ok: true, payload: { runId: "r1", status: "accepted", acceptedAt: 1 } });
      setTimeout(() => conn.send({ type: "res", id: frame.id, ok: true, payload: { runId: "r1", status: "ok", summary: "completed" } }), 50);
      return NO_ANSWER;
    };
    const gateway = await h.gateway({ methods: { agent } });
    const client = h.client(gateway);
    await client.connect();
    expect(await client.call("agent", { message: "hi", idempotencyKey: "r1" }, { expectFinal: true })).toEqual({ runId: "r1", status: "ok", summary: "completed" });
    expect(await client.call("agent", { message: "hi", idempotencyKey: "r1" })).toMatchObject({ status: "accepted" });
  });

  test("expectFinal still rejects on a final error", async () => {
    const gateway = await h.gateway({
      methods: {
        agent: (_p, conn, frame) => {
          conn.send({ type: "res", id: frame.id, ok: true, payload: { runId: "r2", status: "accepted" } });
          conn.send({ type: "res", id: frame.id, ok: false, payload: { runId: "r2", status: "error" }, error: { code: "UNAVAILABLE", message: "model down" } });
          return NO_ANSWER;
        },
      },
    });
    const client = h.client(gateway);
    await client.connect();
    await expect(client.call("agent", { message: "hi", idempotencyKey: "r2" }, { expectFinal: true })).rejects.toMatchObject({ code: "UNAVAILABLE", message: "model down" });
  });

  test("a res that breaks the frame schema fails its call instead of leaving it hanging", async () => {
    const gateway = await h.gateway({
      methods: {
        odd: (_p, conn, frame) => (conn.send({ type: "res", id: frame.id, ok: true, payload: 1, extra: "key" }), NO_ANSWER),
      },
    });
    const errors: unknown[] = [];
    const client = h.client(gateway, { onError: (e) => errors.push(e) });
    await client.connect();
    await expect(client.call("odd")).rejects.toThrow(/invalid frame from gateway: at root: unexpected property 'extra'/);
    expect(errors).toEqual([]); // reported to the call, not to onError
  });

  test("call before connect() is refused", async () => {
    const gateway = await h.gateway();
    const client = h.client(gateway);
    await expect(client.call("health")).rejects.toMatchObject({ code: "NOT_CONNECTED" });
  });
});

describe("close", () => {
  test("close() rejects pending calls, closes 1000, ends iterators, and stops for good", async () => {
    const gateway = await h.gateway({ methods: { hang: () => NO_ANSWER } });
    const client = h.client(gateway);
    await client.connect();
    const pending = client.call("hang");
    const iterator = client.events("tick");
    const next = iterator.next();
    client.close();
    await expect(pending).rejects.toMatchObject({ code: "NOT_CONNECTED", message: "client closed" });
    expect(await next).toEqual({ value: undefined, done: true });
    expect(await gateway.connections[0]!.closed).toEqual({ code: 1000, reason: "client closed" });
    expect(client.state).toBe("closed");
    await expect(client.connect()).rejects.toMatchObject({ code: "NOT_CONNECTED" });
    await expect(client.call("health")).rejects.toMatchObject({ code: "NOT_CONNECTED" });
    expect(gateway.connections).toHaveLength(1);
    client.close(); // idempotent
  });

  test("close() while connecting rejects the waiting connect()", async () => {
    const gateway = await h.gateway({ silent: true });
    const client = h.client(gateway);
    const connecting = client.connect();
    await gateway.connection(0);
    client.close();
    await expect(connecting).rejects.toMatchObject({ code: "NOT_CONNECTED" });
  });
});
