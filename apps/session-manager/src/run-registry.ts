import type { NatsNames } from "@clawdbot/protocol";
import type { JetStreamClient, KV } from "nats";
import type { Logger } from "pino";
import type { StreamReplication } from "@clawdbot/runtime";
import { encodeKey } from "./kv-key.js";
import { KvMirror } from "./kv-mirror.js";
import { encodeJson, isCasConflict, liveEntry, openBucket } from "./kv-util.js";

/** A run in flight, as every replica sees it (ARCHITECTURE §4: owner replica, session, expiry). */
export interface RunRecord {
  runId: string;
  kind: "chat" | "agent";
  /** The session key as the client named it: events carry it, clients filter on it. */
  sessionKey: string;
  /** The canonical store key. */
  storeKey: string;
  sessionId: string;
  /** Instance id of the replica running it. */
  owner: string;
  startedAt: number;
  /** When the expiry sweep aborts it (`stopReason: "timeout"`). */
  expiresAtMs: number;
  /** The owner refreshes this; once it is past, any replica may end the run as lost. */
  leaseUntil: number;
  /** The run's last agent event seq as of the last refresh, for the events of a takeover. */
  seq: number;
  /** Whether the run emits `chat` events (chat.send always; `agent` only on the main session). */
  chatEvents: boolean;
}

/** Max age of run records: far beyond any lease, short enough that markers of ended runs go. */
export const RUNS_MAX_AGE_MS = 60 * 60_000;

export interface HeldRun {
  record: RunRecord;
  revision: number;
}

/**
 * The run registry in JetStream KV, one key per runId. Creating the key is how a replica takes
 * a run (so one idempotency key never runs twice, whichever replicas the retries reach); every
 * later write is compare-and-set on the revision, so an owner that lost its run to a takeover
 * finds out on its next lease refresh instead of overwriting the verdict.
 */
export class RunRegistry {
  readonly kv: KV;
  readonly mirror: KvMirror<RunRecord>;

  private constructor(kv: KV, log: Logger) {
    this.kv = kv;
    this.mirror = new KvMirror("runs", kv, (e) => e.json<RunRecord>(), log);
  }

  static async open(js: JetStreamClient, names: NatsNames, log: Logger, replication?: StreamReplication): Promise<RunRegistry> {
    // Removed runs leave a delete marker per id; the max age clears them. Live records are
    // rewritten every third of a lease, so they never get near it.
    const registry = new RunRegistry(await openBucket(js, names.runsBucket, { ttl: RUNS_MAX_AGE_MS }, replication), log);
    await registry.mirror.start();
    return registry;
  }

  stop(): void {
    this.mirror.stop();
  }

  /** Registers a new run; undefined when a run with this id is already in flight. */
  async create(record: RunRecord): Promise<number | undefined> {
    try {
      return await this.kv.create(encodeKey(record.runId), encodeJson(record));
    } catch (err) {
      if (isCasConflict(err)) return undefined;
      throw err;
    }
  }

  async get(runId: string): Promise<HeldRun | undefined> {
    const entry = liveEntry(await this.kv.get(encodeKey(runId)));
    return entry ? { record: entry.json<RunRecord>(), revision: entry.revision } : undefined;
  }

  /** Compare-and-set update; undefined when the record changed or went (the run was taken over). */
  async update(held: HeldRun, record: RunRecord): Promise<number | undefined> {
    try {
      return await this.kv.update(encodeKey(record.runId), encodeJson(record), held.revision);
    } catch (err) {
      if (isCasConflict(err)) return undefined;
      throw err;
    }
  }

  /**
   * Removes the record if it is still at `revision`: true for the one caller that wins. The
   * owner uses it when a run ends; another replica uses it to take over a lost run.
   */
  async remove(runId: string, revision: number): Promise<boolean> {
    try {
      await this.kv.delete(encodeKey(runId), { previousSeq: revision });
      return true;
    } catch (err) {
      if (isCasConflict(err)) return false;
      throw err;
    }
  }

  /** Runs of one session, consistent with every registration acknowledged before the call. */
  async forSession(storeKey: string): Promise<HeldRun[]> {
    await this.mirror.synced();
    return [...this.mirror.entries()].filter(([, e]) => e.value.storeKey === storeKey).map(([, e]) => ({ record: e.value, revision: e.revision }));
  }

  /** Runs whose lease ran out by `now`, from the live mirror. */
  expired(now: number): HeldRun[] {
    return [...this.mirror.entries()].filter(([, e]) => e.value.leaseUntil < now).map(([, e]) => ({ record: e.value, revision: e.revision }));
  }
}
