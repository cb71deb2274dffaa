import type { ErrorShape } from "./frames.js";

/**
 * String error codes on the native protocol. The first five are the original's
 * (spec §5.2); the rest are ours and appear where the original has no word for the failure.
 */
export const ErrorCodes = {
  INVALID_REQUEST: "INVALID_REQUEST",
  UNAVAILABLE: "UNAVAILABLE",
  NOT_PAIRED: "NOT_PAIRED",
  NOT_LINKED: "NOT_LINKED",
  AGENT_TIMEOUT: "AGENT_TIMEOUT",
  NOT_CONNECTED: "NOT_CONNECTED",
  RATE_LIMITED: "RATE_LIMITED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** Protocol 4's answer to a missing scope, with `details.code: "MISSING_SCOPE"` (v3 peers get INVALID_REQUEST). */
  FORBIDDEN: "FORBIDDEN",
  /** `events.replay` asked for events older than the log keeps, or more than one replay sends: re-fetch state. */
  EVENTS_GONE: "EVENTS_GONE",
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

/**
 * The kind of a failure decides its JSON-RPC 2.0 error number (ARCHITECTURE §3a); the string
 * code travels next to it in `error.data.code`. Several kinds share INVALID_REQUEST on the
 * native protocol, which is why the kind is carried separately.
 */
export const ErrorKinds = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  unavailable: -32000,
  notConnected: -32001,
  unauthorized: -32002,
  forbidden: -32003,
  notPaired: -32004,
  rateLimited: -32005,
  payloadTooLarge: -32006,
  timeout: -32007,
} as const;
export type ErrorKind = keyof typeof ErrorKinds;

const kindByNumber = new Map<number, ErrorKind>(
  Object.entries(ErrorKinds).map(([kind, number]) => [number, kind as ErrorKind]),
);

/** The JSON-RPC error object, as it travels over NATS and to JSON-RPC clients. */
export interface JsonRpcError {
  code: number;
  message: string;
  data: {
    code: string;
    details?: unknown;
    retryable?: boolean;
    retryAfterMs?: number;
  };
}

export interface GatewayErrorOptions {
  kind?: ErrorKind;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The one error type every layer throws. Handlers throw it; the RPC layer turns anything else
 * into UNAVAILABLE (the original's answer for a handler that throws) while keeping the cause.
 *
 * @example
 * throw new GatewayError("INVALID_REQUEST", "session not found", { details: { key } });
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details: unknown;
  readonly retryable: boolean | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message || code, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = options.kind ?? defaultKind(code);
    this.details = options.details;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The native protocol's ErrorShape; fields without a value are left out. */
  toShape(): ErrorShape {
    const shape: ErrorShape = { code: this.code, message: this.message };
    if (this.details !== undefined) shape.details = this.details;
    if (this.retryable !== undefined) shape.retryable = this.retryable;
    if (this.retryAfterMs !== undefined) shape.retryAfterMs = this.retryAfterMs;
    return shape;
  }

  toJsonRpc(): JsonRpcError {
    const data: JsonRpcError["data"] = { code: this.code };
    if (this.details !== undefined) data.details = this.details;
    if (this.retryable !== undefined) data.retryable = this.retryable;
    if (this.retryAfterMs !== undefined) data.retryAfterMs = this.retryAfterMs;
    return { code: ErrorKinds[this.kind], message: this.message, data };
  }

  static fromJsonRpc(error: JsonRpcError): GatewayError {
    const kind = kindByNumber.get(error.code) ?? "internal";
    return new GatewayError(error.data?.code ?? ErrorCodes.UNAVAILABLE, error.message, {
      kind,
      details: error.data?.details,
      retryable: error.data?.retryable,
      retryAfterMs: error.data?.retryAfterMs,
    });
  }

  static fromShape(shape: ErrorShape): GatewayError {
    return new GatewayError(shape.code, shape.message, {
      details: shape.details,
      retryable: shape.retryable,
      retryAfterMs: shape.retryAfterMs,
    });
  }
}

function defaultKind(code: ErrorCode): ErrorKind {
  switch (code) {
    case ErrorCodes.UNAVAILABLE:
      return "unavailable";
    case ErrorCodes.NOT_PAIRED:
      return "notPaired";
    case ErrorCodes.NOT_CONNECTED:
      return "notConnected";
    case ErrorCodes.RATE_LIMITED:
      return "rateLimited";
    case ErrorCodes.PAYLOAD_TOO_LARGE:
      return "payloadTooLarge";
    case ErrorCodes.FORBIDDEN:
      return "forbidden";
    case ErrorCodes.AGENT_TIMEOUT:
      return "timeout";
    default:
      return "invalidRequest";
  }
}

/** A transient failure: nobody serves the method right now, or it did not answer in time. */
export function unavailable(message: string, options: Omit<GatewayErrorOptions, "retryable"> = {}): GatewayError {
  return new GatewayError(ErrorCodes.UNAVAILABLE, message, { kind: "unavailable", ...options, retryable: true });
}

export function invalidRequest(message: string, options: GatewayErrorOptions = {}): GatewayError {
  return new GatewayError(ErrorCodes.INVALID_REQUEST, message, { kind: "invalidRequest", ...options });
}
