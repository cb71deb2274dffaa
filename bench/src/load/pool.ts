import type { ChildProcess } from "node:child_process";
import { forkTs, stopChild } from "../children.js";
import type { ChatProgress, ChatResult, Command, ConnectResult, LoadResult, SeqResult, Target, WorkerMessage } from "./messages.js";

type EventDone = Extract<WorkerMessage, { type: "event-done" }>;

/** The parent's handle on one load-generating child process. */
export class LoadWorker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #rid = 0;
  onEventDone: ((message: EventDone) => void) | undefined;

  constructor() {
    this.#child = forkTs(new URL("./worker.ts", import.meta.url));
    this.#child.on("message", (message: WorkerMessage) => {
      if ("type" in message) {
        this.onEventDone?.(message);
        return;
      }
      const waiter = this.#pending.get(message.rid);
      if (!waiter) return;
      this.#pending.delete(message.rid);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error));
    });
    this.#child.once("exit", (code, signal) => {
      for (const waiter of this.#pending.values()) waiter.reject(new Error(`load worker exited (${code ?? signal})`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  #run<T>(command: Command): Promise<T> {
    const rid = ++this.#rid;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(rid, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ ...command, rid });
    });
  }

  connect(target: Target, count: number, concurrency = 32): Promise<ConnectResult> {
    return this.#run({ op: "connect", target, count, concurrency });
  }
  seq(method: string, params: unknown, count: number, warmup: number): Promise<SeqResult> {
    return this.#run({ op: "seq", method, params, count, warmup });
  }
  load(method: string, params: unknown, inflight: number, warmupMs: number, durationMs: number): Promise<LoadResult> {
    return this.#run({ op: "load", method, params, inflight, warmupMs, durationMs });
  }
  listen(): Promise<void> {
    return this.#run({ op: "listen" });
  }
  close(): Promise<number> {
    return this.#run({ op: "close" });
  }
  /** Starts counting a chat batch's events on every connection of this worker. */
  chatListen(batch: string, totalRuns: number, finalText: string): Promise<void> {
    return this.#run({ op: "chat-listen", batch, totalRuns, finalText });
  }
  /** Sends this worker's runs of the batch; resolves once each is acked. */
  chatSend(batch: string, worker: number, runs: number, message: string): Promise<void> {
    return this.#run({ op: "chat-send", batch, worker, runs, message });
  }
  chatProgress(): Promise<ChatProgress> {
    return this.#run({ op: "chat-progress" });
  }
  chatWait(): Promise<ChatResult> {
    return this.#run({ op: "chat-wait" });
  }
  stop(): Promise<void> {
    return stopChild(this.#child);
  }
}

/** Several load workers used together: connections and in-flight calls split evenly between them. */
export class WorkerPool {
  readonly workers: LoadWorker[];

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => new LoadWorker());
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  /** Opens `total` connections split over the workers; `targets` are dealt round-robin per worker. */
  async connect(targets: Target | Target[], total: number, concurrency = 32): Promise<ConnectResult> {
    const list = Array.isArray(targets) ? targets : [targets];
    const results = await Promise.all(
      this.workers.map((w, i) => w.connect(list[i % list.length]!, share(total, this.workers.length, i), concurrency)),
    );
    return {
      opened: results.reduce((a, r) => a + r.opened, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      ms: Math.max(...results.map((r) => r.ms)),
      ...(results.find((r) => r.firstError) ? { firstError: results.find((r) => r.firstError)!.firstError! } : {}),
    };
  }

  load(method: string, params: unknown, inflight: number, warmupMs: number, durationMs: number): Promise<LoadResult[]> {
    return Promise.all(this.workers.map((w, i) => w.load(method, params, share(inflight, this.workers.length, i), warmupMs, durationMs)));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

/** Worker i's part of `total` split over `n` workers (the first ones take the remainder). */
export function share(total: number, n: number, i: number): number {
  return Math.floor(total / n) + (i < total % n ? 1 : 0);
}
