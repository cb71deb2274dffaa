import { GatewayError } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import { decodeJson, encodeError, encodeRequest, encodeResult, readReply, readResponse } from "./envelope.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("envelope - JSON-RPC 2.0 bodies on the bus", () => {
  test("a request carries jsonrpc, id, method and params; absent params are left out", () => {
    expect(decodeJson(encodeRequest("r1", "sessions.list", { limit: 5 }))).toStrictEqual({
      jsonrpc: "2.0",
      id: "r1",
      method: "sessions.list",
      params: { limit: 5 },
    });
    expect(decodeJson(encodeRequest("r2", "health", undefined))).toStrictEqual({ jsonrpc: "2.0", id: "r2", method: "health" });
  });

  test("a result of undefined is sent as null, so the reply is still a result", () => {
    expect(decodeJson(encodeResult("r1", undefined))).toStrictEqual({ jsonrpc: "2.0", id: "r1", result: null });
    expect(readResponse(encodeResult("r1", undefined))).toStrictEqual({ ok: true, result: null });
    expect(readResponse(encodeResult(null, { a: [1] }))).toStrictEqual({ ok: true, result: { a: [1] } });
  });

  test("an error reply reads back as the same GatewayError", () => {
    const sent = new GatewayError("UNAVAILABLE", "busy", { kind: "rateLimited", details: { q: 1 }, retryable: true, retryAfterMs: 10 });
    expect(decodeJson(encodeError("r1", sent))).toStrictEqual({ jsonrpc: "2.0", id: "r1", error: sent.toJsonRpc() });
    const outcome = readResponse(encodeError("r1", sent));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(GatewayError);
    expect(outcome.error.toJsonRpc()).toStrictEqual(sent.toJsonRpc());
    expect(outcome.error.kind).toBe("rateLimited");
  });

  test.each(["null", "42", '"text"', "[]", "{}", '{"jsonrpc":"2.0","id":"x"}', '{"error":"flat string"}'])(
    "a reply that is neither result nor error (%s) throws",
    (text) => {
      expect(() => readResponse(bytes(text))).toThrow(/malformed JSON-RPC response/);
    },
  );

  test("a reply that is not JSON throws", () => {
    expect(() => readResponse(bytes("{nope"))).toThrow();
  });
});

describe("readReply - the reply to a known request id, spliced when it is canonical", () => {
  test("a canonical result is handed over as its own text, and parses only when read", () => {
    const reply = readReply(encodeResult("edge-1-a", { z: 1, a: ["x", null] }), "edge-1-a");
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.resultJson).toBe('{"z":1,"a":["x",null]}');
    expect(reply.result).toStrictEqual({ z: 1, a: ["x", null] });
    // It compares and spreads as a plain { ok, result }.
    expect(reply).toStrictEqual({ ok: true, result: { z: 1, a: ["x", null] } });
    expect({ ...reply }).toStrictEqual({ ok: true, result: { z: 1, a: ["x", null] } });
  });

  test.each([
    ["another id", encodeResult("other", 5), 5],
    ["another key order", bytes('{"result":[1,2],"id":"r","jsonrpc":"2.0"}'), [1, 2]],
    ["extra whitespace", bytes('{ "jsonrpc": "2.0", "id": "r", "result": "s" }'), "s"],
    ["a null result", encodeResult("r", undefined), null],
  ])("a reply with %s still reads correctly, and its text is re-serialised", (_label, data, expected) => {
    const reply = readReply(data, "r");
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.result).toStrictEqual(expected);
    expect(JSON.parse(reply.resultJson)).toStrictEqual(expected);
  });

  test("an error reply is an error, never spliced", () => {
    const reply = readReply(encodeError("r", new GatewayError("UNAVAILABLE", "down", { retryable: true })), "r");
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.message).toBe("down");
    expect(reply.error.retryable).toBe(true);
  });

  test("a malformed reply throws, as readResponse does", () => {
    expect(() => readReply(bytes('{"jsonrpc":"2.0","id":"r"}'), "r")).toThrow(/malformed/);
    expect(() => readReply(bytes('{"jsonrpc":"2.0","id":"r","result":'), "r")).toThrow();
  });
});
