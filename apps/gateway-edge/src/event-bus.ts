import { EventHeaders } from "@clawdbot/nats-rpc";
import type { NatsNames, StateVersion } from "@clawdbot/protocol";
import type { JsMsg, Msg, NatsConnection, Subscription } from "nats";
import type { Logger } from "pino";
import type { EventLog } from "./event-log.js";
import type { Broadcaster } from "./fanout.js";

export interface EventBusOptions {
  nc: NatsConnection;
  names: NatsNames;
  edgeId: string;
  log: Logger;
  broadcaster: Broadcaster;
  /** Where broadcast events come from, numbered. */
  eventLog: EventLog;
  /** The versions to attach to `presence` and `health` events; called once per such event, with its log position. */
  stateVersionFor: (event: string, logSeq: number) => StateVersion | undefined;
}

const decoder = new TextDecoder();

/**
 * Where the edge's events come from: every broadcast event, read in order from the shared event
 * log (one consumer per edge, whatever the number of clients), and this edge's own subject for
 * events targeted at one connection.
 */
export class EventBus {
  readonly #options: EventBusOptions;
  readonly #subscriptions: Subscription[] = [];

  constructor(options: EventBusOptions) {
    this.#options = options;
  }

  /** Starts at the log's current end; resolves with where that was. */
  async start(): Promise<number> {
    const { nc, names, edgeId, eventLog, broadcaster } = this.#options;
    const eventPrefix = names.event("");
    // start() is retried through transient JetStream errors: subscribe once.
    if (this.#subscriptions.length === 0) this.#subscriptions.push(nc.subscribe(names.edgeWildcard(edgeId), { callback: (_err, msg) => this.#onTargeted(msg) }));
    const { lastSeq } = await eventLog.follow((msg) => {
      // A throw here would unwind into the consumer and stop this edge's events: log it instead.
      try {
        this.#onBroadcast(msg, msg.subject.slice(eventPrefix.length));
      } catch (err) {
        this.#options.log.error({ err, subject: msg.subject, seq: msg.seq }, "event fan-out failed");
      }
    });
    broadcaster.startAt(lastSeq);
    return lastSeq;
  }

  stop(): void {
    this.#options.eventLog.stop();
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
  }

  /** The payload as JSON text: undefined when empty, null when it is not JSON (dropped, logged). */
  payloadOf(msg: Pick<Msg, "data" | "subject">, event: string): string | undefined | null {
    if (msg.data.length === 0) return undefined;
    const text = decoder.decode(msg.data);
    try {
      JSON.parse(text); // once per edge, so a bad publisher can never put invalid JSON in a frame
      return text;
    } catch {
      this.#options.log.warn({ event, subject: msg.subject }, "dropping event with a payload that is not JSON");
      return null;
    }
  }

  #onBroadcast(msg: JsMsg, event: string): void {
    const logSeq = msg.seq;
    const payload = this.payloadOf(msg, event);
    if (payload === null || !event) {
      this.#options.broadcaster.startAt(logSeq); // still a position every edge counts
      return;
    }
    const dropIfSlow = msg.headers?.get(EventHeaders.dropIfSlow) === "1";
    const stateVersion = this.#options.stateVersionFor(event, logSeq);
    this.#options.broadcaster.broadcastJson(event, payload, stateVersion ? { dropIfSlow, stateVersion, logSeq } : { dropIfSlow, logSeq });
  }

  #onTargeted(msg: Msg): void {
    // <prefix>.edge.<edgeId>.conn.<connId>
    const parts = msg.subject.split(".");
    const connId = parts[parts.length - 1];
    const event = msg.headers?.get(EventHeaders.event);
    if (parts[parts.length - 2] !== "conn" || !connId || !event) return;
    const payload = this.payloadOf(msg, event);
    if (payload === null) return;
    this.#options.broadcaster.sendTo(connId, event, payload);
  }
}
