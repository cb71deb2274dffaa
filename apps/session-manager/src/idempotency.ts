import type { ErrorShape, NatsNames } from "@clawdbot/protocol";
import type { StreamReplication } from "@clawdbot/runtime";
import type { JetStreamClient, KV } from "nats";
import { encodeKey } from "./kv-key.js";
import { encodeJson, liveEntry, openBucket } from "./kv-util.js";

/** The original's dedupe TTL (`DEDUPE_TTL_MS`, spec §5.3). */
export const DEDUPE_TTL_MS = 5 * 60_000;

/** A cached answer, replayed as a new response (spec §5.3). */
export interface DedupeEntry {
  ts: number;
  ok: boolean;
  payload?: unknown;
  error?: ErrorShape;
}

/**
 * Idempotency keys (`chat:<key>`, `agent:<key>`) in a KV bucket whose entries age out after 5
 * minutes (the bucket's max age: nats-server 2.9 has no per-message TTL). Any replica reads
 * what another wrote, so a retry that lands elsewhere gets the same answer.
 */
export class IdempotencyStore {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  static async open(js: JetStreamClient, names: NatsNames, replication?: StreamReplication): Promise<IdempotencyStore> {
    return new IdempotencyStore(await openBucket(js, names.dedupeBucket, { ttl: DEDUPE_TTL_MS }, replication));
  }

  async get(scope: "chat" | "agent", key: string): Promise<DedupeEntry | undefined> {
    const entry = liveEntry(await this.#kv.get(encodeKey(`${scope}:${key}`)));
    if (!entry) return undefined;
    const value = entry.json<DedupeEntry>();
    // The bucket's max age removes entries; this guards the moment before the server does.
    return Date.now() - value.ts <= DEDUPE_TTL_MS ? value : undefined;
  }

  async set(scope: "chat" | "agent", key: string, entry: Omit<DedupeEntry, "ts">): Promise<void> {
    await this.#kv.put(encodeKey(`${scope}:${key}`), encodeJson({ ts: Date.now(), ...entry }));
  }
}
