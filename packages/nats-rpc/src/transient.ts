import { NatsError } from "nats";
import type { Logger } from "pino";

// NATS failures that say "not now", never "not ever": a timeout while JetStream elects a
// leader, no responders, a connection that is down or draining. A caller should retry them.
const TRANSIENT_CODES = new Set(["TIMEOUT", "503", "408", "DISCONNECT", "CONNECTION_CLOSED", "CONNECTION_DRAINING", "CONNECTION_REFUSED", "CONNECTION_TIMEOUT"]);

/** Whether `err` is a NATS or JetStream failure that retrying later can cure. */
export function isTransientNatsError(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  if (TRANSIENT_CODES.has(err.code)) return true;
  // JetStream API errors carry the server's status: 503 is "JetStream temporarily unavailable".
  return err.api_error?.code === 503 || err.api_error?.code === 408;
}

// JetStream API error codes that, while a service sets up its own buckets and streams, mean
// "not yet" rather than "no": on a fresh cluster a stream just created can answer "stream not
// found" (10059) until its group has a leader; a create racing another replica's create with a
// different config answers "already in use" (10058) and the next try finds it; and "no suitable
// peers for placement" (10005) is what a replicated create gets while a node is still joining
// (or is down). Too few nodes for good answers the same, so that retries until the time is up.
const SETUP_NOT_YET = new Set([10059, 10058, 10005]);

/**
 * Whether `err` is worth retrying while setting up JetStream (creating or opening buckets and
 * streams, starting watches): every transient error, plus the "not yet" answers a fresh cluster
 * gives. Not for request handling, where "stream not found" is an answer.
 */
export function isTransientSetupError(err: unknown): boolean {
  if (isTransientNatsError(err)) return true;
  const code = (err as { api_error?: { err_code?: number } } | null)?.api_error?.err_code;
  return code !== undefined && SETUP_NOT_YET.has(code);
}

export interface RetryTransientOptions {
  log: Logger;
  /** Give up once this long has passed since the first try (30 s by default). */
  totalMs?: number;
  /** Wait before the first retry; doubles up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Which failures to retry; `isTransientSetupError` by default. Anything else throws at once. */
  retryable?: (err: unknown) => boolean;
}

/**
 * Runs `fn` until it succeeds, retrying transient NATS failures with backoff for a bounded time,
 * logging each retry; for startup steps, so a service waits out a JetStream leader election
 * instead of dying. `fn` must be safe to run again after it failed part way.
 */
export async function retryTransient<T>(what: string, fn: () => Promise<T>, options: RetryTransientOptions): Promise<T> {
  const totalMs = options.totalMs ?? 30_000;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const retryable = options.retryable ?? isTransientSetupError;
  const started = Date.now();
  let delayMs = options.firstDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!retryable(err)) throw err;
      const elapsedMs = Date.now() - started;
      if (elapsedMs + delayMs > totalMs) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`${what}: still failing after ${attempt} attempts in ${elapsedMs} ms: ${message || "unknown error"}`, { cause: err });
      }
      options.log.warn({ err, what, attempt, retryInMs: delayMs }, `${what}: transient NATS error, retrying`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
