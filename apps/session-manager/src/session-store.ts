import { type NatsNames, unavailable } from "@clawdbot/protocol";
import type { JetStreamClient, KV } from "nats";
import type { Logger } from "pino";
import type { StreamReplication } from "@clawdbot/runtime";
import { encodeKey } from "./kv-key.js";
import { KvMirror } from "./kv-mirror.js";
import { encodeJson, isCasConflict, liveEntry, openBucket } from "./kv-util.js";

/** One session, exactly as the original stores it in `sessions.json` (spec §9.2). */
export type SessionEntry = Record<string, unknown> & { sessionId: string; updatedAt: number };

/** What an update function returns: the new entry, `null` to delete, or `undefined` for no change. */
export type SessionUpdate = SessionEntry | null | undefined;

const MAX_CAS_ATTEMPTS = 25;

function parseEntry(value: unknown): SessionEntry | undefined {
  const v = value as Partial<SessionEntry> | null;
  return v && typeof v === "object" && typeof v.sessionId === "string" ? (v as SessionEntry) : undefined;
}

/**
 * The sessions index in JetStream KV: one key per session (its store key, encoded), the value
 * the original's SessionEntry. Writes are compare-and-set on the entry's revision, retried on
 * conflict, so replicas never lose each other's updates — the original's store lock, per entry.
 */
export class SessionStore {
  readonly kv: KV;
  readonly mirror: KvMirror<SessionEntry>;

  private constructor(kv: KV, log: Logger) {
    this.kv = kv;
    this.mirror = new KvMirror("sessions", kv, (e) => parseEntry(e.json()), log);
  }

  static async open(js: JetStreamClient, names: NatsNames, log: Logger, replication?: StreamReplication): Promise<SessionStore> {
    const store = new SessionStore(await openBucket(js, names.sessionsBucket, {}, replication), log);
    await store.mirror.start();
    return store;
  }

  stop(): void {
    this.mirror.stop();
  }

  /** The entry as stored now (a direct read, not the mirror). */
  async get(key: string): Promise<SessionEntry | undefined> {
    const entry = liveEntry(await this.kv.get(encodeKey(key)));
    return entry ? parseEntry(entry.json()) : undefined;
  }

  /**
   * Read-modify-write of one entry under compare-and-set. `fn` may run more than once (after a
   * conflict) and may throw to refuse the change. Returns the entry as it is afterwards.
   */
  async update(key: string, fn: (current: SessionEntry | undefined) => SessionUpdate): Promise<SessionEntry | undefined> {
    const k = encodeKey(key);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const stored = liveEntry(await this.kv.get(k));
      const current = stored ? parseEntry(stored.json()) : undefined;
      const next = fn(current === undefined ? undefined : structuredClone(current));
      if (next === undefined) return current;
      try {
        if (next === null) {
          if (!stored) return undefined;
          await this.kv.delete(k, { previousSeq: stored.revision });
          return undefined;
        }
        if (stored) await this.kv.update(k, encodeJson(next), stored.revision);
        else await this.kv.create(k, encodeJson(next));
        return next;
      } catch (err) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw unavailable(`session ${key} is busy; try again in a moment.`);
  }

  /** Overwrites an entry (import). */
  async put(key: string, entry: SessionEntry): Promise<void> {
    await this.kv.put(encodeKey(key), encodeJson(entry));
  }

  /** Every session, consistent with every write acknowledged before the call. */
  async list(): Promise<[string, SessionEntry][]> {
    await this.mirror.synced();
    return [...this.mirror.entries()].map(([key, e]) => [key, e.value]);
  }

  async findBySessionId(sessionId: string): Promise<[string, SessionEntry] | undefined> {
    return (await this.list()).find(([, entry]) => entry.sessionId === sessionId);
  }
}
