
import { GatewayError } from "@clawdbot/protocol";
import type { Msg } from "nats";
import { type Logger, pino } from "pino";
import { describe, expect, test } from "vitest";
import * as z from "zod";
import { RpcClient } from "./client.js";
import { decodeJson, encodeResult } from "./envelope.js";
import { type HandlerContext, RpcServer } from "./server.js";
import { silent, uniqueNames, useBus, waitFor } from "./bus.fixture.js";

// One real nats-server for this file; every test uses its own subject prefix, so tests never see
// each other's calls.

/** A logger whose JSON lines land in `lines`, to assert on what was logged. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

/** Polls until `predicate` holds; fails with `what` after a generous deadline. Never a timing assertion. */

/** The GatewayError a call rejects with (fails the test if the call succeeds or rejects otherwise). */
async function callError(promise: Promise<unknown>): Promise<GatewayError> {
  const outcome = await promise.then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the call to fail, got ${JSON.stringify(outcome.result)}`);
  expect(outcome.error).toBeInstanceOf(GatewayError);
  return outcome.error as GatewayError;
}

const { newConnection, cleanups } = useBus();

/** A started RpcServer and an RpcClient, each on its own connection, under a fresh prefix. */
async function setup(
  register: (rpc: RpcServer) => void,
  options: { log?: Logger; clientTimeoutMs?: number } = {},
) {
  const names = uniqueNames();
  const serverNc = await newConnection();
  const clientNc = await newConnection();
  const rpc = new RpcServer({ nc: serverNc, names, service: "test-svc", version: "0.0.1", log: options.log ?? silent });
  register(rpc);
  await rpc.start();
  cleanups.push(() => rpc.stop());
  const client = new RpcClient({ nc: clientNc, names, ...(options.clientTimeoutMs ? { timeoutMs: options.clientTimeoutMs } : {}) });
  cleanups.push(() => client.close());
  return { names, rpc, client, serverNc, clientNc };
}

describe("rpc - a call round-trips", () => {
  test("the result comes back, and the caller's context arrives in the handler", async () => {
    const seen: HandlerContext[] = [];
    const { client } = await setup((rpc) =>
      rpc.register("test.echo", {
        handler: (params, context) => {
          seen.push(context);
          return { echoed: params, method: context.method };
        },
      }),
    );
    const deadline = Date.now() + 60_000;
    const result = await client.call(
      "test.echo",
      { text: "hi", n: [1, 2, 3] },
      {
        requestId: "req-1",
        connId: "conn-1",
        edgeId: "edge-1",
        clientId: "moltbot-control-ui",
        clientMode: "ui",
        role: "operator",
        scopes: ["operator.read", "operator.write"],
        deadline,
      },
    );
    expect(result).toEqual({ echoed: { text: "hi", n: [1, 2, 3] }, method: "test.echo" });
    expect(seen).toHaveLength(1);
    const { log, accept, ...context } = seen[0]!;
    expect(context).toStrictEqual({
      requestId: "req-1",
      connId: "conn-1",
      edgeId: "edge-1",
      clientId: "moltbot-control-ui",
      clientMode: "ui",
      role: "operator",
      scopes: ["operator.read", "operator.write"],
      deadline,
      method: "test.echo",
    });
    expect(typeof log.info).toBe("function");
    expect(typeof accept).toBe("function");
  });

  test("a minimal context arrives as such, with the deadline the client computed from its timeout", async () => {
    const seen: HandlerContext[] = [];
    const { client } = await setup((rpc) =>
      rpc.register("test.ctx", {
        handler: (_params, context) => {
          seen.push(context);
          return null;
        },
      }),
    );
    const before = Date.now();
    await client.call("test.ctx", {}, { requestId: "req-min" }, 20_000);
    const after = Date.now();
    const { log: _log, accept: _accept, deadline, ...rest } = seen[0]!;
    expect(rest).toStrictEqual({ requestId: "req-min", method: "test.ctx" });
    expect(deadline).toBeGreaterThanOrEqual(before + 20_000);
    expect(deadline).toBeLessThanOrEqual(after + 20_000);
  });

  test("empty granted scopes arrive as an empty list, not as 'no scopes header'", async () => {
    const seen: HandlerContext[] = [];
    const { client } = await setup((rpc) =>
      rpc.register("test.scopes", {
        handler: (_params, context) => {
          seen.push(context);
          return null;
        },
      }),
    );
    await client.call("test.scopes", {}, { requestId: "r", role: "node", scopes: [] });
    expect(seen[0]!.scopes).toEqual([]);
    expect(seen[0]!.role).toBe("node");
  });

  test("absent params reach the handler as {}, an undefined result comes back as null", async () => {
    const seen: unknown[] = [];
    const { client } = await setup((rpc) =>
      rpc.register("test.void", {
        handler: (params) => {
          seen.push(params);
          return undefined;
        },
      }),
    );
    expect(await client.call("test.void", undefined, { requestId: "r" })).toBeNull();
    expect(seen).toEqual([{}]);
  });

  test("a method without any schema gets its params unchecked", async () => {
    const { client } = await setup((rpc) => rpc.register("test.raw", { handler: (params) => params }));
    const params = { anything: true, nested: { deep: [null, "x"] } };
    expect(await client.call("test.raw", params, { requestId: "r" })).toEqual(params);
  });
});

describe("rpc - a bound caller (an edge connection after its handshake)", () => {
  test("its identity arrives as the context of every call, each with its own request id and a deadline from its timeout", async () => {
    const seen: HandlerContext[] = [];
    const { client } = await setup((rpc) =>
      rpc.register("test.who", {
        handler: (_params, context) => {
          seen.push(context);
          return { n: seen.length };
        },
      }),
    );
    const caller = client.bind({ connId: "c-1", edgeId: "e-1", clientId: "cli", clientMode: "cli", role: "operator", scopes: ["operator.read"] }, 7_000);
    const replies = await Promise.all(
      ["r-1", "r-2"].map(
        (requestId) => new Promise<unknown>((resolve) => caller.send(requestId, "test.who", {}, (outcome) => resolve(outcome.ok ? outcome.result : outcome.error))),
      ),
    );
    expect(replies).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
    expect(seen.map((c) => c.requestId).sort()).toEqual(["r-1", "r-2"]);
    for (const context of seen) {
      const { log: _log, accept: _accept, deadline, requestId: _id, ...identity } = context;
      expect(identity).toStrictEqual({ connId: "c-1", edgeId: "e-1", clientId: "cli", clientMode: "cli", role: "operator", scopes: ["operator.read"], method: "test.who" });
      // Relative to receipt on the service side, so within the 7 s wait of now, never past it.
      expect(deadline! - Date.now()).toBeGreaterThan(0);
      expect(deadline! - Date.now()).toBeLessThanOrEqual(7_000);
    }
  });

  test("the reply's result text reaches the caller as the service wrote it, and parses to the same value", async () => {
    const { client } = await setup((rpc) => rpc.register("test.doc", { handler: () => ({ b: [1, { c: "é\u2028" }], a: null }) }));
    const outcome = await new Promise<Parameters<Parameters<ReturnType<RpcClient["bind"]>["send"]>[3]>[0]>((resolve) =>
      client.bind({ connId: "c" }).send("r-9", "test.doc", {}, resolve),
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.resultJson).toBe(JSON.stringify({ b: [1, { c: "é\u2028" }], a: null }));
    expect(outcome.result).toStrictEqual({ b: [1, { c: "é\u2028" }], a: null });
  });
});

describe("rpc - params validation", () => {
  test("sessions.list is checked against the protocol registry's schema", async () => {
    const handled: unknown[] = [];
    const { client } = await setup((rpc) =>
      rpc.register("sessions.list", {
        handler: (params) => {
          handled.push(params);
          return { ok: true };
        },
      }),
    );

    const tooSmall = await callError(client.call("sessions.list", { limit: 0 }, { requestId: "r1" }));
    expect(tooSmall.code).toBe("INVALID_REQUEST");
    expect(tooSmall.kind).toBe("invalidParams");
    expect(tooSmall.message.startsWith("invalid sessions.list params: ")).toBe(true);
    expect(tooSmall.message).toMatch(/^invalid sessions\.list params: at \/limit: \S/);
    expect(tooSmall.toJsonRpc().code).toBe(-32602);

    const unknownKey = await callError(client.call("sessions.list", { bogus: 1 }, { requestId: "r2" }));
    expect(unknownKey.code).toBe("INVALID_REQUEST");
    expect(unknownKey.kind).toBe("invalidParams");
    expect(unknownKey.message).toBe("invalid sessions.list params: at root: unexpected property 'bogus'");

    const notAnObject = await callError(client.call("sessions.list", [1, 2], { requestId: "r3" }));
    expect(notAnObject.message).toMatch(/^invalid sessions\.list params: at root: /);

    expect(handled).toEqual([]);

    expect(await client.call("sessions.list", { limit: 5, search: "x" }, { requestId: "r4" })).toEqual({ ok: true });
    expect(await client.call("sessions.list", undefined, { requestId: "r5" })).toEqual({ ok: true });
    expect(handled).toEqual([{ limit: 5, search: "x" }, {}]);
  });

  test("an explicit params schema in the spec overrides the registry's", async () => {
    const handled: unknown[] = [];
    const { client } = await setup((rpc) =>
      rpc.register("sessions.list", {
        // Looser than the registry (limit 0 allowed, unknown keys stripped) and with a default.
        params: z.object({ limit: z.number(), page: z.number().default(1) }),
        handler: (params) => {
          handled.push(params);
          return "listed";
        },
      }),
    );
    expect(await client.call("sessions.list", { limit: 0, bogus: true }, { requestId: "r1" })).toBe("listed");
    // The handler sees the parsed value: unknown keys stripped, defaults filled in.
    expect(handled).toEqual([{ limit: 0, page: 1 }]);

    const wrongType = await callError(client.call("sessions.list", { limit: "ten" }, { requestId: "r2" }));
    expect(wrongType.code).toBe("INVALID_REQUEST");
    expect(wrongType.kind).toBe("invalidParams");
    expect(wrongType.message).toMatch(/^invalid sessions\.list params: at \/limit: \S/);
    expect(handled).toHaveLength(1);
  });
});

describe("rpc - errors thrown by handlers", () => {
  test("a transient NATS failure inside a handler (a request nobody answers in time) is UNAVAILABLE and retryable", async () => {
    const { log, lines } = capturingLogger();
    const { client } = await setup(
      (rpc) =>
        rpc.register("test.bus", {
          // What a KV read does while JetStream elects a leader: a bus request that times out.
          handler: async (_params, context) => {
            const nc = await newConnection();
            await nc.request(`nobody.${context.requestId}`, undefined, { timeout: 50, noMux: true });
            return "unreachable";
          },
        }),
      { log },
    );
    const error = await callError(client.call("test.bus", {}, { requestId: "r1" }));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^test\.bus: the message bus is not answering \(.+\); try again$/);
    // A hiccup of the bus is a warning, not a handler failure.
    expect(lines.some((l) => l.level === 40 && l.msg === "handler failed on a transient NATS error")).toBe(true);
    expect(lines.some((l) => l.msg === "handler failed")).toBe(false);
  });

  test.each([
    ["returned at once", (big: string) => ({ big })],
    ["resolved later", async (big: string) => ({ big })],
  ])("a result over the bus's max payload (%s) is answered as a failure, and the service goes on serving", async (_how, answer) => {
    const { client, serverNc } = await setup((rpc) => {
      rpc.register("test.huge", { handler: () => answer("x".repeat(serverNc.info!.max_payload + 1)) });
      rpc.register("test.echo", { handler: (params) => params });
    });
    const error = await callError(client.call("test.huge", {}, { requestId: "huge" }));
    expect(error.code).toBe("UNAVAILABLE");
    expect(await client.call("test.echo", { after: true }, { requestId: "after" })).toEqual({ after: true });
  });

  test("a plain Error becomes UNAVAILABLE with its message, kind internal, and is logged with err", async () => {
    const { log, lines } = capturingLogger();
    const { client } = await setup(
      (rpc) =>
        rpc.register("test.boom", {
          handler: () => {
            throw new Error("disk on fire");
          },
        }),
      { log },
    );
    const error = await callError(client.call("test.boom", {}, { requestId: "req-boom", connId: "conn-7" }));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toBe("disk on fire");
    expect(error.kind).toBe("internal");
    expect(error.toJsonRpc().code).toBe(-32603);

    await waitFor("the handler failure to be logged", () => lines.some((l) => l.msg === "handler failed"));
    const line = lines.find((l) => l.msg === "handler failed")!;
    expect(line.level).toBe(50); // error
    expect(line).toMatchObject({ requestId: "req-boom", method: "test.boom", connId: "conn-7" });
    const err = line.err as { type: string; message: string; stack: string };
    expect(err.type).toBe("Error");
    expect(err.message).toBe("disk on fire");
    expect(err.stack).toContain("disk on fire");
  });

  test("an async rejection and a thrown non-Error are answered the same way", async () => {
    const { client } = await setup((rpc) =>
      rpc
        .register("test.reject", {
          handler: async () => {
            await Promise.resolve();
            throw new TypeError("cannot read x of undefined");
          },
        })
        .register("test.throwString", {
          handler: () => {
            throw "plain string";
          },
        }),
    );
    const rejected = await callError(client.call("test.reject", {}, { requestId: "r1" }));
    expect([rejected.code, rejected.message, rejected.kind]).toEqual(["UNAVAILABLE", "cannot read x of undefined", "internal"]);
    const thrown = await callError(client.call("test.throwString", {}, { requestId: "r2" }));
    expect([thrown.code, thrown.message, thrown.kind]).toEqual(["UNAVAILABLE", "plain string", "internal"]);
  });

  test("a thrown GatewayError arrives intact, and is an answer, not a logged failure", async () => {
    const { log, lines } = capturingLogger();
    const { client } = await setup(
      (rpc) =>
        rpc
          .register("test.notFound", {
            handler: () => {
              throw new GatewayError("INVALID_REQUEST", "session not found", { details: { key: "agent:main:x" } });
            },
          })
          .register("test.busy", {
            handler: () => {
              throw new GatewayError("UNAVAILABLE", "agent busy", {
                kind: "rateLimited",
                details: { runId: "run-1", queue: [1, 2] },
                retryable: true,
                retryAfterMs: 1_500,
              });
            },
          }),
      { log },
    );
    const notFound = await callError(client.call("test.notFound", {}, { requestId: "r1" }));
    expect(notFound.toShape()).toStrictEqual({ code: "INVALID_REQUEST", message: "session not found", details: { key: "agent:main:x" } });
    expect(notFound.kind).toBe("invalidRequest");

    const busy = await callError(client.call("test.busy", {}, { requestId: "r2" }));
    expect(busy.toShape()).toStrictEqual({
      code: "UNAVAILABLE",
      message: "agent busy",
      details: { runId: "run-1", queue: [1, 2] },
      retryable: true,
      retryAfterMs: 1_500,
    });
    expect(busy.kind).toBe("rateLimited");

    expect(lines.filter((l) => l.msg === "handler failed")).toEqual([]);
  });
});

describe("rpc - nobody answers", () => {
  test("no responders: UNAVAILABLE, retryable, answered at once rather than after the call timeout", { timeout: 10_000 }, async () => {
    const { client } = await setup(() => undefined);
    // The call timeout (20 s) is twice this test's budget: only an immediate answer passes.
    const error = await callError(client.call("test.nobody", {}, { requestId: "r1" }, 20_000));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.kind).toBe("unavailable");
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ method: "test.nobody" });
    expect(client.pendingCount).toBe(0);
  });

  test("a handler that never returns: timeout error, kind timeout, retryable", async () => {
    const { client } = await setup((rpc) => rpc.register("test.hang", { handler: () => new Promise<never>(() => undefined) }));
    const error = await callError(client.call("test.hang", {}, { requestId: "r1" }, 300));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.kind).toBe("timeout");
    expect(error.retryable).toBe(true);
    expect(error.message).toBe("test.hang timed out");
    expect(error.details).toEqual({ method: "test.hang" });
    expect(error.toJsonRpc().code).toBe(-32007);
    expect(client.pendingCount).toBe(0);
  });

  test("the caller's deadline in the context wins over the client's timeout", { timeout: 10_000 }, async () => {
    const { client } = await setup((rpc) => rpc.register("test.hang", { handler: () => new Promise<never>(() => undefined) }));
    const error = await callError(client.call("test.hang", {}, { requestId: "r1", deadline: Date.now() + 300 }, 20_000));
    expect(error.kind).toBe("timeout");
  });

  test("a reply that arrives after the timeout is ignored; later calls still match their own replies", async () => {
    const names = uniqueNames();
    const responderNc = await newConnection();
    const clientNc = await newConnection();
    // A hand-driven responder, so the test decides exactly when the late reply goes out.
    const held: Msg[] = [];
    responderNc.subscribe(names.rpc("test.late"), { callback: (_err, msg) => void held.push(msg) });
    responderNc.subscribe(names.rpc("test.now"), {
      callback: (_err, msg) => {
        const request = decodeJson(msg.data) as { id: string; params: unknown };
        msg.respond(encodeResult(request.id, request.params));
      },
    });
    await responderNc.flush();
    const client = new RpcClient({ nc: clientNc, names });
    cleanups.push(() => client.close());

    const outcomes: unknown[] = [];
    client.send("test.late", {}, { requestId: "late-1" }, (outcome) => outcomes.push(outcome), 300);
    await waitFor("the late call to reach the responder", () => held.length === 1);
    await waitFor("the late call to time out", () => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", kind: "timeout" } });

    held[0]!.respond(encodeResult("late-1", "LATE"));
    // Same publisher, same subscription: this reply is delivered after the late one.
    expect(await client.call("test.now", { n: 2 }, { requestId: "now-1" })).toEqual({ n: 2 });
    expect(outcomes).toHaveLength(1);
    expect(client.pendingCount).toBe(0);
  });

  test("an unreadable reply fails the call with UNAVAILABLE instead of hanging it", async () => {
    const names = uniqueNames();
    const responderNc = await newConnection();
    const clientNc = await newConnection();
    responderNc.subscribe(names.rpc("test.garbage"), { callback: (_err, msg) => void msg.respond(new TextEncoder().encode("not json")) });
    responderNc.subscribe(names.rpc("test.empty"), {
      callback: (_err, msg) => void msg.respond(new TextEncoder().encode('{"jsonrpc":"2.0","id":"x"}')),
    });
    await responderNc.flush();
    const client = new RpcClient({ nc: clientNc, names });
    cleanups.push(() => client.close());
    for (const method of ["test.garbage", "test.empty"]) {
      const error = await callError(client.call(method, {}, { requestId: "r" }, 20_000));
      expect([method, error.code, error.retryable]).toEqual([method, "UNAVAILABLE", true]);
      expect(error.message).toContain("unreadable reply");
    }
  });
});

describe("rpc - an interim 'accepted' answer before the final one", () => {
  test("the client sees the interim payload once, then the final result, matched to the same call", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { client } = await setup((rpc) =>
      rpc.register("test.agent", {
        handler: async (params: { runId: string }, context) => {
          context.accept({ runId: params.runId, status: "accepted" });
          context.accept({ runId: params.runId, status: "accepted-again" }); // only the first counts
          await gate;
          return { runId: params.runId, status: "ok" };
        },
      }),
    );
    const accepted: unknown[] = [];
    const replies: unknown[] = [];
    client.send("test.agent", { runId: "run-1" }, { requestId: "a1" }, (outcome) => replies.push(outcome), undefined, (payload) =>
      accepted.push(payload),
    );
    await waitFor("the interim answer", () => accepted.length === 1);
    expect(accepted).toEqual([{ runId: "run-1", status: "accepted" }]);
    expect(replies).toEqual([]);
    expect(client.pendingCount).toBe(1);

    release();
    await waitFor("the final answer", () => replies.length === 1);
    expect(replies).toEqual([{ ok: true, result: { runId: "run-1", status: "ok" } }]);
    // A fence round trip on the same path: a second interim answer would have arrived by now.
    await client.call("test.agent", { runId: "run-2" }, { requestId: "a2" });
    expect(accepted).toEqual([{ runId: "run-1", status: "accepted" }]);
    expect(client.pendingCount).toBe(0);
  });

  test("a handler that accepts and then throws still ends the call with the error", async () => {
    const { client } = await setup((rpc) =>
      rpc.register("test.agentFails", {
        handler: (_params, context) => {
          context.accept({ status: "accepted" });
          throw new GatewayError("UNAVAILABLE", "run failed", { details: { runId: "r" } });
        },
      }),
    );
    const accepted: unknown[] = [];
    const error = await callError(
      new Promise((resolve, reject) =>
        client.send("test.agentFails", {}, { requestId: "f1" }, (o) => (o.ok ? resolve(o.result) : reject(o.error)), undefined, (p) =>
          accepted.push(p),
        ),
      ),
    );
    expect(error.toShape()).toStrictEqual({ code: "UNAVAILABLE", message: "run failed", details: { runId: "r" } });
    expect(accepted).toEqual([{ status: "accepted" }]);
  });
});

describe("rpc - closing the client", () => {
  test("close() fails pending calls with UNAVAILABLE, and later calls fail at once", { timeout: 10_000 }, async () => {
    const { names, clientNc } = await setup((rpc) => rpc.register("test.hang", { handler: () => new Promise<never>(() => undefined) }));
    const client = new RpcClient({ nc: clientNc, names, timeoutMs: 20_000 });
    const pending = [1, 2, 3].map((i) => callError(client.call("test.hang", {}, { requestId: `r${i}` })));
    expect(client.pendingCount).toBe(3);
    client.close();
    expect(client.pendingCount).toBe(0);
    for (const error of await Promise.all(pending)) {
      expect(error.code).toBe("UNAVAILABLE");
      expect(error.retryable).toBe(true);
      expect(error.message).toContain("shutting down");
    }
    const after = await callError(client.call("test.hang", {}, { requestId: "r4" }));
    expect(after.code).toBe("UNAVAILABLE");
    expect(after.retryable).toBe(true);
    expect(() => client.close()).not.toThrow();
  });

  test("a client whose connection is closed answers UNAVAILABLE at once", { timeout: 10_000 }, async () => {
    const names = uniqueNames();
    const nc = await newConnection();
    const client = new RpcClient({ nc, names, timeoutMs: 20_000 });
    await nc.close();
    const error = await callError(client.call("test.any", {}, { requestId: "r" }));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.retryable).toBe(true);
    client.close();
  });
});

describe("rpc - many calls in flight", () => {
  test("2000 concurrent calls each resolve with their own answer", { timeout: 60_000 }, async () => {
    let handled = 0;
    const { client } = await setup((rpc) =>
      rpc.register("test.square", {
        params: z.strictObject({ i: z.int() }),
        handler: async ({ i }) => {
          handled++;
          // Answer out of order: some at once, some after a macrotask or a timer.
          if (i % 3 === 1) await new Promise((resolve) => setImmediate(resolve));
          if (i % 3 === 2) await new Promise((resolve) => setTimeout(resolve, i % 7));
          return { i, square: i * i };
        },
      }),
    );
    const count = 2_000;
    const calls = Array.from({ length: count }, (_, i) => client.call("test.square", { i }, { requestId: `sq-${i}` }));
    expect(client.pendingCount).toBe(count);
    const results = await Promise.all(calls);
    results.forEach((result, i) => expect(result).toEqual({ i, square: i * i }));
    expect(handled).toBe(count);
    expect(client.pendingCount).toBe(0);
  });

  test("the calls of one turn are published together at its end, in order", async () => {
    const { client, clientNc } = await setup((rpc) => rpc.register("test.echo", { handler: (params) => params }));
    const before = clientNc.stats().outMsgs;
    const calls = Array.from({ length: 50 }, (_, i) => client.call("test.echo", { i }, { requestId: `t-${i}` }));
    // Nothing is on the wire until the turn ends: one socket write for all of them, not one per caller.
    expect(clientNc.stats().outMsgs).toBe(before);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clientNc.stats().outMsgs).toBe(before + 50);
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
  });

  test("a call the bus refuses at publish (over its max payload) fails alone; the rest of its turn is answered", async () => {
    const { client, clientNc } = await setup((rpc) => rpc.register("test.echo", { handler: (params) => params }));
    const tooBig = "x".repeat(clientNc.info!.max_payload + 1);
    const small = client.call("test.echo", { n: 1 }, { requestId: "s1" });
    const big = callError(client.call("test.echo", { tooBig }, { requestId: "big" }));
    const after = client.call("test.echo", { n: 2 }, { requestId: "s2" });
    const error = await big;
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toContain("could not send test.echo");
    expect(await Promise.all([small, after])).toEqual([{ n: 1 }, { n: 2 }]);
    expect(client.pendingCount).toBe(0);
  });

  test("send() calls its callback exactly once per call", async () => {
    const { client } = await setup((rpc) => rpc.register("test.echo", { handler: (params) => params }));
    const calls = new Map<number, unknown[]>();
    const count = 500;
    for (let i = 0; i < count; i++) {
      calls.set(i, []);
      client.send("test.echo", { i }, { requestId: `e-${i}` }, (outcome) => calls.get(i)!.push(outcome));
    }
    await waitFor("every callback", () => [...calls.values()].every((o) => o.length >= 1));
    // One more round trip on the same path, so any duplicate would have arrived by now.
    await client.call("test.echo", {}, { requestId: "fence" });
    for (const [i, outcomes] of calls) expect(outcomes).toEqual([{ ok: true, result: { i } }]);
  });
});
