import { type NatsNames } from "@clawdbot/protocol";
import { type StreamReplication, ensureReplicas } from "@clawdbot/runtime";
import { AckPolicy, DeliverPolicy, DiscardPolicy, type JetStreamClient, type JetStreamManager, RetentionPolicy, StorageType, nanos } from "nats";
import { decodeKey, encodeKey } from "./kv-key.js";
import { encodeJson, isCasConflict } from "./kv-util.js";
import { type MessageRecord, type TranscriptMessage, type TranscriptRecord, headerRecord, messageRecord } from "./transcript.js";

const MAX_APPEND_ATTEMPTS = 25;
const READ_TIMEOUT_MS = 10_000;
const FETCH_BATCH = 1_000;
const CONSUMER_IDLE_MS = 30_000;

/** JetStream's "no message found" (10037): the subject is empty. */
function isNoMessage(err: unknown): boolean {
  const api = (err as { api_error?: { err_code?: number } } | null)?.api_error;
  return api?.err_code === 10037 || (err instanceof Error && /no message found/i.test(err.message));
}

/**
 * Transcripts in one JetStream stream, one subject per transcript file: the active transcript
 * of a session is `<prefix>.transcript.<encoded sessionId>`; an archived one (deleted session,
 * compaction backup) gets its own subject named after the original's file name for it. Records
 * are the original's JSONL lines, one message each.
 */
export class TranscriptStore {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: NatsNames;
  readonly #cwd: string;

  private constructor(js: JetStreamClient, jsm: JetStreamManager, names: NatsNames, cwd: string) {
    this.#js = js;
    this.#jsm = jsm;
    this.#names = names;
    this.#cwd = cwd;
  }

  /** With a `replication`, the stream is created with that many replicas and raised to it if it has fewer. */
  static async open(js: JetStreamClient, jsm: JetStreamManager, names: NatsNames, cwd: string, replication?: StreamReplication): Promise<TranscriptStore> {
    const stream = names.transcriptsStream;
    try {
      await jsm.streams.info(stream);
    } catch {
      try {
        await jsm.streams.add({
          name: stream,
          subjects: [names.transcriptWildcard],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          max_msgs_per_subject: -1,
          num_replicas: replication?.replicas ?? 1,
        });
      } catch (err) {
        // Another replica created it in the meantime.
        await jsm.streams.info(stream).catch(() => {
          throw err;
        });
      }
    }
    if (replication) await ensureReplicas(jsm, stream, replication);
    return new TranscriptStore(js, jsm, names, cwd);
  }

  /** The subject of a transcript file; `<sessionId>` for the active one. */
  subject(fileId: string): string {
    return this.#names.transcript(encodeKey(fileId));
  }

  /**
   * Appends messages to a session's transcript, writing the header first when it is new. Each
   * record names the previous one as its parent; the write expects the subject's last sequence
   * (optimistic concurrency), so two writers never fork the chain.
   */
  async append(sessionId: string, messages: TranscriptMessage[]): Promise<MessageRecord[]> {
    const subject = this.subject(sessionId);
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const last = await this.#last(subject);
      let lastSeq = last?.seq ?? 0;
      let parentId = last && last.record.type !== "session" ? (last.record.id ?? null) : null;
      const written: MessageRecord[] = [];
      try {
        if (!last) {
          const ack = await this.#js.publish(subject, encodeJson(headerRecord(sessionId, Date.now(), this.#cwd)), { expect: { lastSubjectSequence: 0 } });
          lastSeq = ack.seq;
        }
        for (const message of messages) {
          const record = messageRecord(message, parentId);
          const ack = await this.#js.publish(subject, encodeJson(record), { expect: { lastSubjectSequence: lastSeq } });
          lastSeq = ack.seq;
          parentId = record.id;
          written.push(record);
        }
        return written;
      } catch (err) {
        if (!isCasConflict(err) || written.length > 0) throw err;
      }
    }
    throw new Error(`transcript ${sessionId} is busy`);
  }

  /** Every record of a transcript file, oldest first (the JSONL lines in order). */
  async read(fileId: string): Promise<TranscriptRecord[]> {
    return this.readSubject(this.subject(fileId));
  }

  async readSubject(subject: string): Promise<TranscriptRecord[]> {
    const count = await this.#count(subject);
    if (count === 0) return [];
    // An ephemeral consumer per read (ordered consumers' fetch stalls against nats-server 2.9);
    // it is deleted after, and the server drops it by itself if this process dies first.
    const stream = this.#names.transcriptsStream;
    const info = await this.#jsm.consumers.add(stream, {
      filter_subject: subject,
      deliver_policy: DeliverPolicy.All,
      ack_policy: AckPolicy.None,
      mem_storage: true,
      inactive_threshold: nanos(CONSUMER_IDLE_MS),
    });
    const records: TranscriptRecord[] = [];
    try {
      const consumer = await this.#js.consumers.get(stream, info.name);
      // Stop at the subject's last message as seen now; records appended meanwhile wait for the next read.
      while (records.length < count) {
        const batch = await consumer.fetch({ max_messages: Math.min(count - records.length, FETCH_BATCH), expires: READ_TIMEOUT_MS });
        let got = 0;
        let drained = false;
        for await (const m of batch) {
          got++;
          records.push(m.json<TranscriptRecord>());
          if (m.info.pending === 0) {
            drained = true;
            break;
          }
        }
        if (got === 0 || drained) break;
      }
    } finally {
      await this.#jsm.consumers.delete(stream, info.name).catch(() => undefined);
    }
    return records;
  }

  /** The last record of a transcript, without reading the rest. */
  async lastRecord(fileId: string): Promise<TranscriptRecord | undefined> {
    return (await this.#last(this.subject(fileId)))?.record;
  }

  /** Writes records under a new file name (a backup or an archive), as they are. */
  async writeFile(fileId: string, records: TranscriptRecord[]): Promise<void> {
    const subject = this.subject(fileId);
    for (const record of records) await this.#js.publish(subject, encodeJson(record));
  }

  /** Empties a transcript file. */
  async purge(fileId: string): Promise<void> {
    await this.#jsm.streams.purge(this.#names.transcriptsStream, { filter: this.subject(fileId) });
  }

  /** Every transcript file with its record count (export). */
  async files(): Promise<Map<string, number>> {
    const info = await this.#jsm.streams.info(this.#names.transcriptsStream, { subjects_filter: this.#names.transcriptWildcard });
    const prefix = this.#names.transcript("");
    const out = new Map<string, number>();
    for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
      try {
        out.set(decodeKey(subject.slice(prefix.length)), n);
      } catch {
        // not ours
      }
    }
    return out;
  }

  async #count(subject: string): Promise<number> {
    const info = await this.#jsm.streams.info(this.#names.transcriptsStream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  async #last(subject: string): Promise<{ seq: number; record: TranscriptRecord } | undefined> {
    try {
      const m = await this.#jsm.streams.getMessage(this.#names.transcriptsStream, { last_by_subj: subject });
      return { seq: m.seq, record: m.json<TranscriptRecord>() };
    } catch (err) {
      if (isNoMessage(err)) return undefined;
      throw err;
    }
  }
}
