import type { ClientIdentity } from "./protocol.js";

/** Where a worker sends its calls. */
export type Target =
  | { kind: "ws"; url: string; token?: string; handshake: boolean; identity: ClientIdentity }
  | { kind: "nats"; url: string; subject: string; mode: "request" | "mux" };

export interface ConnectResult {
  opened: number;
  failed: number;
  ms: number;
  firstError?: string;
}

export interface SeqResult {
  /** Round-trip times in µs, warm-up excluded. */
  latencies: Float64Array;
  errors: number;
}

export interface LoadResult {
  /** Calls answered inside the measurement window. */
  calls: number;
  errors: number;
  windowMs: number;
  /** Round-trip times in µs of the calls answered inside the window. */
  latencies: Float64Array;
}

/** Parent → worker. */
export type Command =
  | { op: "connect"; target: Target; count: number; concurrency: number }
  | { op: "seq"; method: string; params: unknown; count: number; warmup: number }
  | { op: "load"; method: string; params: unknown; inflight: number; warmupMs: number; durationMs: number }
  | { op: "listen" }
  | { op: "close" }
  | { op: "memory" };

/** Worker → parent: the answer to a command, or a fan-out event that every socket of the worker now has. */
export type WorkerMessage =
  | { rid: number; ok: true; result: unknown }
  | { rid: number; ok: false; error: string }
  | { type: "event-done"; n: number; firstUs: number; lastUs: number };
