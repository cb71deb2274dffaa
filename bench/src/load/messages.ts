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

/** What one worker's connections received of a chat batch, and its own runs' timings. */
export interface ChatResult {
  connections: number;
  /** Per run id: chat `delta` events delivered, summed over this worker's connections. */
  deltas: Map<string, number>;
  /** Per run id: `agent` events delivered, summed over this worker's connections. */
  agents: Map<string, number>;
  /** Terminal chat events delivered (over all connections): `final`s with the whole reply, and the rest. */
  finals: number;
  /** Terminal events that were not a `final` with the whole reply, and `chat.send`s not answered `started`. */
  failures: number;
  /** The first few of them, described. */
  failureSamples: string[];
  /** µs from each own run's `chat.send` to its ack, and to its `final` on the sending connection. */
  ackUs: number[];
  finalUs: number[];
  /** Monotonic µs at which each chat event (`runId|seq|state`) reached each connection. */
  arrivals: Map<string, number[]>;
  /** Monotonic µs at which the last connection had the last final. */
  doneUs: number;
}

export interface ChatProgress {
  deltas: number;
  finals: number;
}

/** Parent → worker. */
export type Command =
  | { op: "connect"; target: Target; count: number; concurrency: number }
  | { op: "chat-listen"; batch: string; totalRuns: number; finalText: string }
  | { op: "chat-send"; batch: string; worker: number; runs: number; message: string }
  | { op: "chat-progress" }
  | { op: "chat-wait" }
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
