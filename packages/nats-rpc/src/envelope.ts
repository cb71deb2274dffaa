import { GatewayError, type JsonRpcError } from "@clawdbot/protocol";

// JSON-RPC 2.0 envelopes as they travel over NATS. The request id is the caller's request id,
// not the WebSocket client's frame id: the edge maps one to the other.

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: string;
  method: string;
  params?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: string | null; result: unknown }
  | { jsonrpc: "2.0"; id: string | null; error: JsonRpcError };

/** Marks an interim reply (the `agent` acknowledgement); the final reply has no stage. */
export const StageHeader = "Gw-Stage";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeRequest(id: string, method: string, params: unknown): Uint8Array {
  return encoder.encode(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
}

export function encodeResult(id: string | null, result: unknown): Uint8Array {
  return encoder.encode(JSON.stringify({ jsonrpc: "2.0", id, result: result ?? null }));
}

export function encodeError(id: string | null, error: GatewayError): Uint8Array {
  return encoder.encode(JSON.stringify({ jsonrpc: "2.0", id, error: error.toJsonRpc() }));
}

export function decodeJson(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}

/** Reads a reply: the result, or the GatewayError it carries. Throws on a malformed reply. */
export function readResponse(data: Uint8Array): { ok: true; result: unknown } | { ok: false; error: GatewayError } {
  return readResponseText(decoder.decode(data));
}

/**
 * A successful answer whose result is also held as JSON text. The edge writes `resultJson`
 * straight into the client's frame, so a reply is never parsed and re-serialised just to change
 * its envelope; `result` is parsed only if someone reads it. `resultJson` is not enumerable:
 * the object compares, spreads and logs as the plain `{ ok, result }`.
 */
export interface ReplyResult {
  readonly ok: true;
  readonly result: unknown;
  readonly resultJson: string;
}

export function resultFromJson(json: string): ReplyResult {
  let value: unknown;
  let parsed = false;
  const reply = {
    ok: true as const,
    get result(): unknown {
      if (!parsed) {
        value = JSON.parse(json);
        parsed = true;
      }
      return value;
    },
  };
  return Object.defineProperty(reply, "resultJson", { value: json, enumerable: false }) as ReplyResult;
}

export function resultFromValue(value: unknown): ReplyResult {
  let json: string | undefined;
  return Object.defineProperty({ ok: true as const, result: value }, "resultJson", {
    get: () => (json ??= JSON.stringify(value ?? null)),
    enumerable: false,
  }) as ReplyResult;
}

export type Reply = ReplyResult | { ok: false; error: GatewayError };

/**
 * Reads the reply to request `id`. A reply in the canonical form `encodeResult` writes is not
 * parsed at all: its result is the text between the known prefix and the closing brace. Any
 * other well-formed reply (another encoder's key order, an error) takes the full parse.
 */
export function readReply(data: Uint8Array, id: string): Reply {
  const text = decoder.decode(data);
  const prefix = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`;
  if (text.length > prefix.length + 1 && text.startsWith(prefix) && text.charCodeAt(text.length - 1) === 0x7d) {
    return resultFromJson(text.slice(prefix.length, -1));
  }
  const outcome = readResponseText(text);
  return outcome.ok ? resultFromValue(outcome.result) : outcome;
}

function readResponseText(text: string): { ok: true; result: unknown } | { ok: false; error: GatewayError } {
  const body = JSON.parse(text) as Partial<Record<"result" | "error", unknown>> | null;
  if (body && typeof body === "object") {
    if ("error" in body && body.error && typeof body.error === "object") {
      return { ok: false, error: GatewayError.fromJsonRpc(body.error as JsonRpcError) };
    }
    if ("result" in body) return { ok: true, result: body.result };
  }
  throw new Error("malformed JSON-RPC response");
}
