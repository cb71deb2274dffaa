import {
  EdgeBeat,
  type NatsNames,
  PRESENCE_MAX_ENTRIES,
  PRESENCE_TTL_MS,
  type PresenceEntry,
  PresenceRecord,
} from "@clawdbot/protocol";
import type { KV, KvEntry, NatsConnection, QueuedIterator } from "nats";
import type { Logger } from "pino";
import { openKvBucket } from "@clawdbot/runtime";

const RECORD_PREFIX = "p.";
const BEAT_PREFIX = "edge.";
const MISSED_BEATS = 3;
// Records of live connections are re-put well inside the bucket's age limit, so a connection
// held for days keeps its entry while entries of dead edges eventually age out of the bucket.
const BUCKET_MAX_AGE_MS = 30 * 60_000;
const LIVE_REFRESH_MS = 10 * 60_000;

export interface PresenceStoreOptions {
  nc: NatsConnection;
  names: NatsNames;
  log: Logger;
  self: { edgeId: string; host: string; ip?: string; version: string };
  beatMs?: number;
  replicas?: number;
}

/** KV keys allow few characters; presence keys (instance ids, device ids, text) may hold any. */
export function presenceRecordKey(presenceKey: string): string {
  return RECORD_PREFIX + Buffer.from(presenceKey, "utf8").toString("base64url");
}

/**
 * Presence across every edge (spec §6.3), kept in a JetStream KV bucket that each edge watches.
 * Liveness is judged by timestamps (nats-server 2.9 sends no watch event when an entry expires):
 * a connection's entry is listed while its edge keeps beating.
 */
export class PresenceStore {
  readonly #options: PresenceStoreOptions;
  readonly #beatMs: number;
  readonly #records = new Map<string, PresenceRecord>();
  readonly #edges = new Map<string, EdgeBeat>();
  readonly #ownLive = new Map<string, PresenceRecord>();
  readonly #startedAt = Date.now();
  #kv: KV | undefined;
  #watch: QueuedIterator<KvEntry> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #version = 1;
  #eventVersion = 0;
  #loaded = false;

  constructor(options: PresenceStoreOptions) {
    this.#options = options;
    this.#beatMs = options.beatMs ?? 5_000;
  }

  /** Grows with every change this edge sees: what cached answers (system-presence) are keyed on. */
  get revision(): number {
    return this.#version;
  }

  /**
   * `stateVersion.presence`: the log position of the last presence event (at least 1). Every
   * edge reads the same log in the same order, so every edge gives the same event the same
   * version, and a client that moves between edges can compare them.
   */
  get version(): number {
    return Math.max(1, this.#eventVersion);
  }

  /** A presence event is about to go out from this log position. */
  bumpVersion(logSeq: number): number {
    this.#eventVersion = Math.max(this.#eventVersion + 1, logSeq);
    this.#version++;
    return this.#eventVersion;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  async start(): Promise<void> {
    const { nc, names } = this.#options;
    // Created with, or raised to, the deployment's replica count (never lowered).
    this.#kv = await openKvBucket(nc.jetstream(), names.presenceBucket, { history: 1, ttl: BUCKET_MAX_AGE_MS }, { replicas: this.#options.replicas ?? 1, log: this.#options.log });
    let initialized!: () => void;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    this.#watch = await this.#kv.watch({ key: ">", initializedFn: () => initialized() });
    void this.#consume(this.#watch);
    await ready;
    this.#loaded = true;
    await this.#beat();
    this.#timers.push(setInterval(() => void this.#beat(), this.#beatMs));
    this.#timers.push(setInterval(() => void this.#refreshLive(), LIVE_REFRESH_MS));
    for (const timer of this.#timers) timer.unref();
  }

  /** The presence list as `system-presence` returns it: newest first, capped, with every live edge's own entry. */
  list(now = Date.now()): PresenceEntry[] {
    const entries: PresenceEntry[] = [];
    for (const beat of this.#edges.values()) {
      if (this.#edgeAlive(beat, now)) entries.push(selfEntry(beat));
    }
    for (const record of this.#records.values()) {
      const visible = record.live ? this.#edgeAlive(this.#edges.get(record.edgeId), now) : now - record.entry.ts <= PRESENCE_TTL_MS;
      if (visible) entries.push(record.entry);
    }
    entries.sort((a, b) => b.ts - a.ts);
    return entries.slice(0, PRESENCE_MAX_ENTRIES);
  }

  /** Live edges, for health. */
  liveEdges(now = Date.now()): EdgeBeat[] {
    return [...this.#edges.values()].filter((b) => this.#edgeAlive(b, now));
  }

  async connected(presenceKey: string, connId: string, entry: PresenceEntry): Promise<void> {
    const record: PresenceRecord = { entry, edgeId: this.#options.self.edgeId, connId, live: true };
    this.#ownLive.set(presenceKey, record);
    await this.#put(presenceKey, record);
  }

  async disconnected(presenceKey: string, connId: string): Promise<void> {
    const own = this.#ownLive.get(presenceKey);
    if (!own || own.connId !== connId) return; // a newer connection took the key over
    this.#ownLive.delete(presenceKey);
    await this.#put(presenceKey, { ...own, live: false, entry: { ...own.entry, reason: "disconnect", ts: Date.now() } });
  }

  /** An entry reported through `system-event`: listed for the TTL. */
  async report(presenceKey: string, entry: PresenceEntry): Promise<void> {
    const previous = this.#records.get(presenceRecordKey(presenceKey));
    const merged = previous ? { ...previous.entry, ...entry } : entry;
    await this.#put(presenceKey, { entry: merged, edgeId: this.#options.self.edgeId, live: false });
  }

  /** Stops beating and removes this edge's beat, so other edges drop its entries at once. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#watch?.stop();
    try {
      await this.#kv?.delete(BEAT_PREFIX + this.#options.self.edgeId);
    } catch (err) {
      this.#options.log.warn({ err }, "could not remove the edge's presence beat");
    }
  }

  async #put(presenceKey: string, record: PresenceRecord): Promise<void> {
    const key = presenceRecordKey(presenceKey);
    this.#apply(key, record); // visible on this edge at once; the watch confirms it later
    try {
      await this.#kv?.put(key, JSON.stringify(record));
    } catch (err) {
      this.#options.log.warn({ err, key }, "presence write failed");
    }
  }

  #apply(key: string, record: PresenceRecord): void {
    this.#records.set(key, record);
    this.#version++;
  }

  #edgeAlive(beat: EdgeBeat | undefined, now: number): boolean {
    return beat !== undefined && now - beat.ts <= beat.beatMs * MISSED_BEATS;
  }

  async #beat(): Promise<void> {
    const { self } = this.#options;
    const beat: EdgeBeat = {
      edgeId: self.edgeId,
      host: self.host,
      version: self.version,
      startedAt: this.#startedAt,
      ts: Date.now(),
      beatMs: this.#beatMs,
      connections: this.#ownLive.size,
      ...(self.ip ? { ip: self.ip } : {}),
    };
    if (!this.#edges.has(self.edgeId)) this.#version++;
    this.#edges.set(self.edgeId, beat);
    try {
      await this.#kv?.put(BEAT_PREFIX + self.edgeId, JSON.stringify(beat));
    } catch (err) {
      this.#options.log.warn({ err }, "presence beat failed");
    }
  }

  async #refreshLive(): Promise<void> {
    for (const [presenceKey, record] of this.#ownLive) await this.#put(presenceKey, record);
  }

  async #consume(watch: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const item of watch) this.#onWatch(item);
    } catch (err) {
      this.#options.log.error({ err }, "presence watch ended");
    }
  }

  #onWatch(item: KvEntry): void {
    const deleted = item.operation !== "PUT";
    if (item.key.startsWith(BEAT_PREFIX)) {
      const edgeId = item.key.slice(BEAT_PREFIX.length);
      if (deleted) {
        if (this.#edges.delete(edgeId)) this.#version++;
        return;
      }
      const beat = EdgeBeat.safeParse(item.json());
      if (!beat.success) return;
      if (!this.#edges.has(edgeId)) this.#version++;
      this.#edges.set(edgeId, beat.data);
      return;
    }
    if (deleted) {
      if (this.#records.delete(item.key)) this.#version++;
      return;
    }
    const record = PresenceRecord.safeParse(item.json());
    if (!record.success) {
      this.#options.log.warn({ key: item.key }, "ignoring malformed presence record");
      return;
    }
    const current = this.#records.get(item.key);
    // Our own write already applied it; an older write arriving late must not win.
    if (current && current.entry.ts > record.data.entry.ts) return;
    if (current && JSON.stringify(current) === JSON.stringify(record.data)) return;
    this.#apply(item.key, record.data);
  }
}

function selfEntry(beat: EdgeBeat): PresenceEntry {
  const ipPart = beat.ip ? ` (${beat.ip})` : "";
  return {
    host: beat.host,
    ...(beat.ip ? { ip: beat.ip } : {}),
    version: beat.version,
    mode: "gateway",
    reason: "self",
    text: `Gateway: ${beat.host}${ipPart} · app ${beat.version} · mode gateway · reason self`,
    ts: beat.ts,
    instanceId: beat.edgeId,
  };
}
