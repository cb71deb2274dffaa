import { type GatewayError, type StateVersion } from "@clawdbot/protocol";

export type JsonRpcId = string | number | null;

/** One entry of a message: a request (has an id, even null) or a notification (no id). */
export interface JsonRpcCall {
  id: JsonRpcId;
  notification: boolean;
  method: string;
  params: Record<string, unknown>;
}

export interface JsonRpcErrorBody {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

export type JsonRpcResponse = { jsonrpc: "2.0"; id: JsonRpcId; result: unknown } | { jsonrpc: "2.0"; id: JsonRpcId; error: JsonRpcErrorBody };

export function resultResponse(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result: result ?? null };
}

export function errorResponse(id: JsonRpcId, error: GatewayError): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: error.toJsonRpc() };
}

/** A response for a failure the edge finds itself before any method runs. */
export function protocolError(id: JsonRpcId, code: number, message: string, dataCode = "INVALID_REQUEST"): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: { code, message, data: { code: dataCode } } };
}

/** Events reach JSON-RPC clients as notifications named after the event (ARCHITECTURE §3a). */
export function notificationText(event: string, payloadJson: string | undefined, seq?: number, stateVersion?: StateVersion): string {
  let params = "{";
  if (payloadJson !== undefined && payloadJson !== "") params += `"payload":${payloadJson}`;
  if (seq !== undefined) params += `${params.length > 1 ? "," : ""}"seq":${seq}`;
  if (stateVersion) params += `${params.length > 1 ? "," : ""}"stateVersion":{"presence":${stateVersion.presence},"health":${stateVersion.health}}`;
  return `{"jsonrpc":"2.0","method":${JSON.stringify(event)},"params":${params}}}`;
}

function isId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/**
 * Checks one entry against JSON-RPC 2.0: an object with `jsonrpc: "2.0"` and a string method;
 * `params`, when present, must be an object here (every gateway method takes named params).
 */
export function readCall(value: unknown): JsonRpcCall | JsonRpcResponse {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return protocolError(null, -32600, "Invalid Request: expected an object");
  }
  const entry = value as Record<string, unknown>;
  const hasId = Object.hasOwn(entry, "id");
  const id = hasId && isId(entry.id) ? entry.id : null;
  if (entry.jsonrpc !== "2.0") return protocolError(id, -32600, 'Invalid Request: jsonrpc must be "2.0"');
  if (hasId && !isId(entry.id)) return protocolError(null, -32600, "Invalid Request: id must be a string, a number or null");
  if (typeof entry.method !== "string" || entry.method === "") return protocolError(id, -32600, "Invalid Request: method must be a non-empty string");
  const params = entry.params ?? {};
  if (typeof params !== "object" || Array.isArray(params) || params === null) {
    return protocolError(id, -32602, "Invalid params: params must be an object (named parameters)");
  }
  return { id, notification: !hasId, method: entry.method, params: params as Record<string, unknown> };
}

export function isResponse(value: JsonRpcCall | JsonRpcResponse): value is JsonRpcResponse {
  return "jsonrpc" in value;
}
