/** The gateway's string error codes a plugin may answer with (spec §5.2). */
export type GatewayMethodErrorCode = "INVALID_REQUEST" | "UNAVAILABLE" | "NOT_PAIRED" | "NOT_LINKED" | "AGENT_TIMEOUT";

export interface GatewayMethodErrorOptions {
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

const BRAND = "clawdbot.gatewayMethodError";

/**
 * Thrown by a method handler to answer with a specific code; anything else a handler throws
 * answers `UNAVAILABLE` with its message. It crosses the worker boundary by its brand, not by
 * `instanceof`.
 *
 * @example
 * throw new GatewayMethodError("INVALID_REQUEST", "voicewake.set requires triggers: string[]");
 */
export class GatewayMethodError extends Error {
  override readonly name = "GatewayMethodError";
  readonly [BRAND] = true;
  readonly code: GatewayMethodErrorCode;
  readonly details: unknown;
  readonly retryable: boolean | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: GatewayMethodErrorCode, message: string, options: GatewayMethodErrorOptions = {}) {
    super(message);
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isGatewayMethodError(err: unknown): err is GatewayMethodError {
  return typeof err === "object" && err !== null && (err as Record<string, unknown>)[BRAND] === true;
}
