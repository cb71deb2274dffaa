import { openReplicated, type StreamReplication } from "@clawdbot/runtime";
import type { NatsNames } from "@clawdbot/protocol";
import { type ConsumerMessages, DiscardPolicy, type JetStreamClient, type JetStreamManager, type JsMsg, RetentionPolicy, StorageType, nanos, type StreamConfig, type StreamInfo } from "nats";
import type { Logger } from "pino";

/** How long and how much of the event log JetStream keeps for replays. */
export interface EventRetention {
  maxAgeMs: number;
  maxEvents: number;
  maxBytes: number;
}

/** Two minutes is JetStream's default duplicate window; it may not exceed the stream's age limit. */
const DUPLICATE_WINDOW_MS = 120_000;

export interface EventLogOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  log: Logger;
  replication: StreamReplication;
  retention: EventRetention;
}

/** Where the log stands: the oldest event it still holds and the newest (both 0 when it is empty). */
export interface LogBounds {
  oldestSeq: number;
  lastSeq: number;
}

/**
 * The one ordered log of broadcast events, shared by every edge. Publishers keep publishing on
 * core NATS (`<prefix>.evt.<event>`); a JetStream stream on those subjects stores each event and
 * gives it a sequence number, and that number is the event's `seq` on every edge. So a client can
 * move between edges and still tell what it missed, and ask for it again (`events.replay`) while
 * the log keeps it. Each edge reads the log through an ordered consumer, which resumes where it
 * left off after a NATS reconnect, so an edge misses no event that the log stored.
 */
export class EventLog {
  readonly #options: EventLogOptions;
  readonly #stream: string;
  #live: ConsumerMessages | undefined;

  private constructor(options: EventLogOptions) {
    this.#options = options;
    this.#stream = options.names.eventsStream;
  }

  /** Creates the stream when missing (with the deployment's replicas) and brings its limits up to date. */
  static async open(options: EventLogOptions): Promise<EventLog> {
    const log = new EventLog(options);
    await openReplicated(options.js, options.names.eventsStream, options.replication, () => log.#ensureStream());
    return log;
  }

  /** Follows the log from its current end: `onEvent` gets each event after the last one stored now. */
  async follow(onEvent: (msg: JsMsg) => void): Promise<LogBounds> {
    const bounds = await this.bounds();
    const consumer = await this.#options.js.consumers.get(this.#stream, { opt_start_seq: bounds.lastSeq + 1 });
    this.#live = await consumer.consume({ callback: onEvent, max_messages: 1_000 });
    return bounds;
  }

  async bounds(): Promise<LogBounds> {
    const { state } = await this.#options.jsm.streams.info(this.#stream);
    return state.messages === 0 ? { oldestSeq: 0, lastSeq: state.last_seq } : { oldestSeq: state.first_seq, lastSeq: state.last_seq };
  }

  /**
   * The stored events from `fromSeq` through `toSeq`, in order. Stops early, returning what it
   * read, when the log no longer holds `fromSeq` (the caller checks the first sequence).
   */
  async read(fromSeq: number, toSeq: number): Promise<JsMsg[]> {
    const out: JsMsg[] = [];
    if (toSeq < fromSeq) return out;
    const consumer = await this.#options.js.consumers.get(this.#stream, { opt_start_seq: fromSeq });
    while (out.length === 0 || out[out.length - 1]!.seq < toSeq) {
      const want = toSeq - (out.length === 0 ? fromSeq - 1 : out[out.length - 1]!.seq);
      const batch = await consumer.fetch({ max_messages: Math.min(want, 1_000), expires: 2_000 });
      let got = 0;
      for await (const msg of batch) {
        got++;
        if (msg.seq <= toSeq) out.push(msg);
      }
      if (got === 0) break; // the log ends before toSeq (trimmed meanwhile): the caller sees the short read
    }
    await consumer.delete().catch(() => undefined);
    return out;
  }

  stop(): void {
    this.#live?.stop();
    this.#live = undefined;
  }

  async #ensureStream(): Promise<void> {
    const { jsm, names, retention, log } = this.#options;
    const wanted: Partial<StreamConfig> = {
      subjects: [names.eventWildcard],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(retention.maxAgeMs),
      max_msgs: retention.maxEvents,
      max_bytes: retention.maxBytes,
      duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, retention.maxAgeMs)),
    };
    let existing: StreamInfo;
    try {
      existing = await jsm.streams.info(this.#stream);
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      try {
        await jsm.streams.add({ name: this.#stream, ...wanted, num_replicas: this.#options.replication.replicas });
        log.info({ stream: this.#stream, retention }, "event log created");
        return;
      } catch (addErr) {
        // Another edge created it meanwhile: fall through and compare its limits.
        existing = await jsm.streams.info(this.#stream).catch(() => {
          throw addErr;
        });
      }
    }
    const { config } = existing;
    if (config.max_age !== wanted.max_age || config.max_msgs !== wanted.max_msgs || config.max_bytes !== wanted.max_bytes) {
      // The last edge to start sets the retention: settings are per deployment, not per edge.
      await jsm.streams.update(this.#stream, { ...config, ...wanted });
      log.info({ stream: this.#stream, retention }, "event log retention updated");
    }
  }
}

function isStreamNotFound(err: unknown): boolean {
  return err instanceof Error && /stream not found/i.test(err.message);
}
