import type { MethodName, MethodParams, MethodResult } from "../methods/index.js";

/** Per-call options of `GatewayClient.call`. */
export interface CallOptions {
  /** Overrides the client's `requestTimeoutMs`; `Infinity` waits forever. */
  timeoutMs?: number;
  /**
   * Wait for the final answer: `res` frames whose payload has `status: "accepted"` are skipped.
   * `agent` answers twice with one id, an ack and then the result (spec §7.8).
   */
  expectFinal?: boolean;
}

/** A method name: the registry's names autocomplete, any other string is still accepted. */
export type CallMethod = MethodName | (string & {});

/** Result type of `call(method)`: from the registry for known methods, `unknown` otherwise. */
export type CallResult<M extends string> = M extends MethodName ? MethodResult<M> : unknown;

/**
 * The arguments after the method name. Params are optional when the method's params are all
 * optional (the server treats absent params as `{}`), required otherwise; unknown methods take
 * anything. The conditional is on `M` alone so a wrong params type for a known method is an
 * error rather than a silent fall-back to the untyped form.
 */
export type CallArgs<M extends string> = M extends MethodName
  ? Partial<MethodParams<M>> extends MethodParams<M>
    ? [params?: MethodParams<M>, options?: CallOptions]
    : [params: MethodParams<M>, options?: CallOptions]
  : [params?: unknown, options?: CallOptions];
