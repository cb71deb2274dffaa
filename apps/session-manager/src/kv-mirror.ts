import { unavailable } from "@clawdbot/protocol";
import type { KV, KvEntry, QueuedIterator } from "nats";
import type { Logger } from "pino";
import { decodeKey } from "./kv-key.js";

interface StreamState {
  lastSeq: number;
  messages: number;
}

export interface MirrorEntry<T> {
  value: T;
  revision: number;
}

/**
 * A live copy of a KV bucket in memory, fed by a watch, for the reads that need every entry
 * (`sessions.list`, runs of a session, lease sweeps). `synced()` makes a read see every write
 * acknowledged before it started, on any replica: it asks the bucket's stream for its last
 * sequence (one round trip) and waits until the watch has delivered it.
 */
export class KvMirror<T> {
  readonly #kv: KV;
  readonly #parse: (entry: KvEntry) => T | undefined;
  readonly #log: Logger;
  readonly #name: string;
  readonly #entries = new Map<string, MirrorEntry<T>>();
  readonly #waiters = new Set<{ revision: number; resolve: () => void }>();
  #watch: QueuedIterator<KvEntry> | undefined;
  #seen = 0;
  #stopped = false;
  /** Callers waiting for the next stream-state read, which has not been sent yet. */
  #nextRead: { promise: Promise<StreamState>; resolve: (s: StreamState) => void; reject: (e: unknown) => void } | undefined;
  #reading = false;

  constructor(name: string, kv: KV, parse: (entry: KvEntry) => T | undefined, log: Logger) {
    this.#name = name;
    this.#kv = kv;
    this.#parse = parse;
    this.#log = log;
  }

  async start(): Promise<void> {
    let initialized!: () => void;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    this.#watch = await this.#kv.watch({ initializedFn: () => initialized() });
    void this.#consume(this.#watch);
    await ready;
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
  }

  /** Entries by decoded key, as of the last delivered change. */
  get(key: string): MirrorEntry<T> | undefined {
    return this.#entries.get(key);
  }

  entries(): IterableIterator<[string, MirrorEntry<T>]> {
    return this.#entries.entries();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Waits until every change stored before this call has reached the mirror. */
  async synced(timeoutMs = 5_000): Promise<void> {
    const { lastSeq, messages } = await this.#streamState();
    // With no messages at all there is nothing to wait for (an empty or purged bucket).
    if (messages === 0 || this.#seen >= lastSeq) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        revision: lastSeq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        // The last message may have aged out of a TTL bucket before the watch saw it; the view
        // is then as fresh as it can be, so the read goes on rather than failing.
        if (this.#seen > 0 || this.#entries.size > 0) resolve();
        else reject(unavailable("store not in sync; try again"));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /**
   * The bucket's stream state, read after this call began. Reads are batched like a group
   * commit: callers that arrive while a read is out share the next one, so a burst of N list
   * calls costs two round trips to JetStream instead of N, and each still sees every write
   * acknowledged before it asked.
   */
  #streamState(): Promise<StreamState> {
    let batch = this.#nextRead;
    if (!batch) {
      let resolve!: (s: StreamState) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<StreamState>((res, rej) => ((resolve = res), (reject = rej)));
      this.#nextRead = batch = { promise, resolve, reject };
      if (!this.#reading) this.#sendRead();
    }
    return batch.promise;
  }

  #sendRead(): void {
    const batch = this.#nextRead!;
    this.#nextRead = undefined;
    this.#reading = true;
    this.#kv.status().then(
      (status) => {
        const { last_seq: lastSeq, messages } = status.streamInfo.state;
        batch.resolve({ lastSeq, messages });
      },
      batch.reject,
    ).finally(() => {
      this.#reading = false;
      if (this.#nextRead) this.#sendRead();
    });
  }

  async #consume(watch: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const entry of watch) this.#apply(entry);
    } catch (err) {
      this.#log.error({ err, bucket: this.#name }, "kv watch failed");
    }
    // A watch that ends on its own would leave the mirror stale for good: resume after the last
    // change it delivered, until that works or the mirror is stopped.
    while (!this.#stopped) {
      this.#log.warn({ bucket: this.#name, revision: this.#seen }, "kv watch ended; resuming");
      await new Promise((r) => setTimeout(r, 250));
      if (this.#stopped) return;
      try {
        this.#watch = await this.#kv.watch({ resumeFromRevision: this.#seen + 1 });
        void this.#consume(this.#watch);
        return;
      } catch (err) {
        this.#log.warn({ err, bucket: this.#name }, "kv watch could not resume; retrying");
      }
    }
  }

  #apply(entry: KvEntry): void {
    let key: string;
    try {
      key = decodeKey(entry.key);
    } catch {
      key = entry.key; // written by something else; kept under its raw name
    }
    if (entry.operation === "PUT") {
      let value: T | undefined;
      try {
        value = this.#parse(entry);
      } catch (err) {
        this.#log.warn({ err, key }, "unreadable kv entry skipped");
      }
      if (value === undefined) this.#entries.delete(key);
      else this.#entries.set(key, { value, revision: entry.revision });
    } else {
      this.#entries.delete(key);
    }
    if (entry.revision > this.#seen) this.#seen = entry.revision;
    for (const waiter of this.#waiters) {
      if (this.#seen >= waiter.revision) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
