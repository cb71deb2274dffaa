import { describe, expect, test } from "vitest";
import { type ErrorKind, ErrorCodes, ErrorKinds, GatewayError, type JsonRpcError, invalidRequest, unavailable } from "./errors.js";
import { ErrorShape } from "./frames.js";

/** What a JSON-RPC error looks like after a trip through the wire. */
const overTheWire = (error: JsonRpcError): JsonRpcError => JSON.parse(JSON.stringify(error)) as JsonRpcError;

describe("GatewayError - toShape", () => {
  test("leaves out every field without a value", () => {
    const shape = new GatewayError("INVALID_REQUEST", "session not found").toShape();
    expect(shape).toStrictEqual({ code: "INVALID_REQUEST", message: "session not found" });
    expect(Object.keys(shape)).toEqual(["code", "message"]);
    expect(JSON.stringify(shape)).toBe('{"code":"INVALID_REQUEST","message":"session not found"}');
  });

  test("carries details, retryable and retryAfterMs when set, and passes the ErrorShape schema", () => {
    const shape = new GatewayError("UNAVAILABLE", "busy", {
      details: { method: "chat.send" },
      retryable: true,
      retryAfterMs: 500,
    }).toShape();
    expect(shape).toStrictEqual({ code: "UNAVAILABLE", message: "busy", details: { method: "chat.send" }, retryable: true, retryAfterMs: 500 });
    expect(ErrorShape.safeParse(shape).success).toBe(true);
  });

  test("keeps falsy values that are not undefined (retryable false, retryAfterMs 0, details null)", () => {
    const shape = new GatewayError("UNAVAILABLE", "x", { details: null, retryable: false, retryAfterMs: 0 }).toShape();
    expect(shape).toStrictEqual({ code: "UNAVAILABLE", message: "x", details: null, retryable: false, retryAfterMs: 0 });
  });

  test("an empty message falls back to the code, so the shape stays valid (message is non-empty)", () => {
    const error = new GatewayError("UNAVAILABLE", "");
    expect(error.message).toBe("UNAVAILABLE");
    expect(ErrorShape.safeParse(error.toShape()).success).toBe(true);
  });

  test("the kind does not leak into the native shape", () => {
    const shape = new GatewayError("INVALID_REQUEST", "bad", { kind: "invalidParams" }).toShape();
    expect(shape).not.toHaveProperty("kind");
  });
});

describe("GatewayError - toJsonRpc numbers per kind (ARCHITECTURE §3a)", () => {
  test("the standard JSON-RPC kinds use the standard numbers", () => {
    const standard: [ErrorKind, number][] = [
      ["parse", -32700],
      ["invalidRequest", -32600],
      ["methodNotFound", -32601],
      ["invalidParams", -32602],
      ["internal", -32603],
    ];
    for (const [kind, number] of standard) {
      expect([kind, new GatewayError("INVALID_REQUEST", "x", { kind }).toJsonRpc().code]).toEqual([kind, number]);
    }
  });

  test("our own kinds sit in -32000…-32099, each with its own number", () => {
    const own: ErrorKind[] = ["unavailable", "notConnected", "unauthorized", "forbidden", "notPaired", "rateLimited", "payloadTooLarge", "timeout"];
    const numbers = own.map((kind) => new GatewayError("UNAVAILABLE", "x", { kind }).toJsonRpc().code);
    for (const n of numbers) {
      expect(n).toBeGreaterThanOrEqual(-32099);
      expect(n).toBeLessThanOrEqual(-32000);
    }
    expect(new Set(numbers).size).toBe(own.length);
    expect(new GatewayError("UNAVAILABLE", "x").toJsonRpc().code).toBe(-32000);
    expect(new GatewayError("NOT_CONNECTED", "connect first").toJsonRpc().code).toBe(-32001);
  });

  test("kind invalidParams gives -32602 while data.code keeps INVALID_REQUEST", () => {
    const error = new GatewayError("INVALID_REQUEST", "invalid sessions.list params: at /limit: too small", { kind: "invalidParams" });
    expect(error.toJsonRpc()).toStrictEqual({
      code: -32602,
      message: "invalid sessions.list params: at /limit: too small",
      data: { code: "INVALID_REQUEST" },
    });
  });

  test("the kind follows from the code when none is given", () => {
    const cases: [string, number][] = [
      [ErrorCodes.INVALID_REQUEST, -32600],
      [ErrorCodes.UNAVAILABLE, -32000],
      [ErrorCodes.NOT_CONNECTED, -32001],
      [ErrorCodes.NOT_PAIRED, ErrorKinds.notPaired],
      [ErrorCodes.RATE_LIMITED, ErrorKinds.rateLimited],
      [ErrorCodes.PAYLOAD_TOO_LARGE, ErrorKinds.payloadTooLarge],
      [ErrorCodes.AGENT_TIMEOUT, ErrorKinds.timeout],
      ["SOMETHING_NEW", -32600],
    ];
    for (const [code, number] of cases) {
      const rpc = new GatewayError(code, "x").toJsonRpc();
      expect([code, rpc.code, rpc.data.code]).toEqual([code, number, code]);
    }
  });

  test("data carries code, details, retryable, retryAfterMs, and nothing undefined", () => {
    expect(new GatewayError("UNAVAILABLE", "x").toJsonRpc().data).toStrictEqual({ code: "UNAVAILABLE" });
    expect(
      new GatewayError("RATE_LIMITED", "slow down", { details: { limit: 10 }, retryable: true, retryAfterMs: 1_000 }).toJsonRpc(),
    ).toStrictEqual({
      code: ErrorKinds.rateLimited,
      message: "slow down",
      data: { code: "RATE_LIMITED", details: { limit: 10 }, retryable: true, retryAfterMs: 1_000 },
    });
  });
});

describe("GatewayError - fromJsonRpc round-trips", () => {
  test.each(Object.keys(ErrorKinds) as ErrorKind[])("kind %s with every field", (kind) => {
    const before = new GatewayError("CUSTOM_CODE", `failed as ${kind}`, {
      kind,
      details: { a: [1, { b: "c" }] },
      retryable: false,
      retryAfterMs: 0,
    });
    const after = GatewayError.fromJsonRpc(overTheWire(before.toJsonRpc()));
    expect(after).toBeInstanceOf(GatewayError);
    expect({
      code: after.code,
      message: after.message,
      kind: after.kind,
      details: after.details,
      retryable: after.retryable,
      retryAfterMs: after.retryAfterMs,
    }).toStrictEqual({ code: "CUSTOM_CODE", message: `failed as ${kind}`, kind, details: { a: [1, { b: "c" }] }, retryable: false, retryAfterMs: 0 });
  });

  test("absent optional fields stay absent", () => {
    const after = GatewayError.fromJsonRpc(overTheWire(new GatewayError("INVALID_REQUEST", "nope").toJsonRpc()));
    expect(after.toShape()).toStrictEqual({ code: "INVALID_REQUEST", message: "nope" });
    expect(after.retryable).toBeUndefined();
  });

  test("an unknown number becomes kind internal; a missing data.code becomes UNAVAILABLE", () => {
    const foreign = GatewayError.fromJsonRpc({ code: -31999, message: "weird" } as unknown as JsonRpcError);
    expect(foreign.kind).toBe("internal");
    expect(foreign.code).toBe("UNAVAILABLE");
    expect(foreign.message).toBe("weird");
  });

  test("fromShape reads the native shape back", () => {
    const error = GatewayError.fromShape({ code: "NOT_PAIRED", message: "pairing required", details: { requestId: "r1" } });
    expect(error.kind).toBe("notPaired");
    expect(error.toShape()).toStrictEqual({ code: "NOT_PAIRED", message: "pairing required", details: { requestId: "r1" } });
  });
});

describe("GatewayError - helpers and Error semantics", () => {
  test("unavailable() is retryable, kind unavailable, and keeps details", () => {
    const error = unavailable("no service is serving chat.send", { details: { method: "chat.send" } });
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.kind).toBe("unavailable");
    expect(error.retryable).toBe(true);
    expect(error.toShape()).toStrictEqual({
      code: "UNAVAILABLE",
      message: "no service is serving chat.send",
      details: { method: "chat.send" },
      retryable: true,
    });
  });

  test("unavailable() stays retryable whatever the options say, and may carry another kind", () => {
    const sneaky = unavailable("x", { retryable: false } as never);
    expect(sneaky.retryable).toBe(true);
    const timeout = unavailable("timed out", { kind: "timeout" });
    expect(timeout.kind).toBe("timeout");
    expect(timeout.retryable).toBe(true);
    expect(timeout.toJsonRpc().code).toBe(ErrorKinds.timeout);
  });

  test("invalidRequest() is INVALID_REQUEST, kind invalidRequest, not retryable unless told", () => {
    const error = invalidRequest("unknown method: nope");
    expect(error.toJsonRpc()).toStrictEqual({ code: -32600, message: "unknown method: nope", data: { code: "INVALID_REQUEST" } });
    expect(invalidRequest("x", { kind: "methodNotFound" }).toJsonRpc().code).toBe(-32601);
  });

  test("is an Error with a name and keeps its cause", () => {
    const cause = new Error("socket closed");
    const error = new GatewayError("UNAVAILABLE", "bus down", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("GatewayError");
    expect(error.cause).toBe(cause);
    expect(error.stack).toContain("bus down");
    expect(new GatewayError("UNAVAILABLE", "x")).not.toHaveProperty("cause");
  });
});
