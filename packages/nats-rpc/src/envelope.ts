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
  const body = decodeJson(data) as Partial<Record<"result" | "error", unknown>> | null;
  if (body && typeof body === "object") {
    if ("error" in body && body.error && typeof body.error === "object") {
      return { ok: false, error: GatewayError.fromJsonRpc(body.error as JsonRpcError) };
    }
    if ("result" in body) return { ok: true, result: body.result };
  }
  throw new Error("malformed JSON-RPC response");
}
