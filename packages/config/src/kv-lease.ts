import { setTimeout as sleep } from "node:timers/promises";
import { unavailable } from "@clawdbot/protocol";
import type { KV } from "nats";
import * as z from "zod";
import { isCasConflict } from "@clawdbot/nats-rpc";

const LeaseRecord = z.object({ owner: z.string(), until: z.number() });

const encoder = new TextEncoder();
const decoder = new TextDecoder();


export interface KvLeaseOptions {
  kv: KV;
  /** The key that is the lock (`this.#key` for config writes). */
  key: string;
  /** Who holds it, for logs and debugging (an instance id). */
  owner: string;
  /** A holder that dies keeps others out at most this long. */
  ttlMs?: number;
  /** How long to wait for the lease before giving up with UNAVAILABLE (retryable). */
  waitMs?: number;
}

/**
 * A cluster-wide lock on one KV key. Taking it is a compare-and-set (create, or update at the
 * revision seen when the previous holder released it or it expired), so exactly one process
 * holds it; a crashed holder's lease expires after `ttlMs`. Config-service runs every
 * read-check-write of the file and every publication inside one (`this.#key`); edges
 * can take turns restarting their listeners with another key.
 */
export class KvLease {
  readonly #kv: KV;
  readonly #key: string;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  // One holder per process at a time: local callers queue here rather than spin on the bus.
  #local: Promise<unknown> = Promise.resolve();

  constructor(options: KvLeaseOptions) {
    this.#kv = options.kv;
    this.#key = options.key;
    this.#owner = options.owner;
    this.#ttlMs = options.ttlMs ?? 15_000;
    this.#waitMs = options.waitMs ?? 10_000;
  }

  /** Runs `work` while holding the lease. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#local.then(() => this.#hold(work));
    this.#local = turn.catch(() => undefined);
    return turn;
  }

  async #hold<T>(work: () => Promise<T>): Promise<T> {
    const revision = await this.#acquire();
    try {
      return await work();
    } finally {
      await this.#release(revision);
    }
  }

  async #acquire(): Promise<number> {
    const deadline = Date.now() + this.#waitMs;
    let delay = 5;
    for (;;) {
      const record = encoder.encode(JSON.stringify({ owner: this.#owner, until: Date.now() + this.#ttlMs }));
      const entry = await this.#kv.get(this.#key);
      try {
        if (!entry) return await this.#kv.create(this.#key, record);
        const held = entry.operation === "PUT" ? LeaseRecord.safeParse(safeJson(entry.value)) : undefined;
        if (!held?.success || held.data.until <= Date.now()) return await this.#kv.update(this.#key, record, entry.revision);
      } catch (err) {
        if (!isCasConflict(err) && !/exists/i.test((err as Error).message)) throw err;
      }
      if (Date.now() >= deadline) throw unavailable(`lease ${this.#key} busy; try again`);
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }

  async #release(revision: number): Promise<void> {
    try {
      await this.#kv.update(this.#key, encoder.encode(JSON.stringify({ owner: this.#owner, until: 0 })), revision);
    } catch (err) {
      // Lost to expiry (someone took it over): nothing of ours to release.
      if (!isCasConflict(err)) throw err;
    }
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
}
