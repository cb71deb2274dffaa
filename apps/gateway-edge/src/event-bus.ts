import { EventHeaders } from "@clawdbot/nats-rpc";
import type { NatsNames, StateVersion } from "@clawdbot/protocol";
import type { Msg, NatsConnection, Subscription } from "nats";
import type { Logger } from "pino";
import type { Broadcaster } from "./fanout.js";

export interface EventBusOptions {
  nc: NatsConnection;
  names: NatsNames;
  edgeId: string;
  log: Logger;
  broadcaster: Broadcaster;
  /** The versions to attach to `presence` and `health` events; called once per such event. */
  stateVersionFor: (event: string) => StateVersion | undefined;
}

const decoder = new TextDecoder();

/**
 * The edge's two subscriptions: every broadcast event (one subscription per edge, whatever the
 * number of clients), and this edge's own subject for events targeted at one connection.
 */
export class EventBus {
  readonly #options: EventBusOptions;
  readonly #subscriptions: Subscription[] = [];

  constructor(options: EventBusOptions) {
    this.#options = options;
  }

  start(): void {
    const { nc, names, edgeId } = this.#options;
    const eventPrefix = names.event("");
    this.#subscriptions.push(
      nc.subscribe(names.eventWildcard, { callback: (_err, msg) => this.#onBroadcast(msg, msg.subject.slice(eventPrefix.length)) }),
      nc.subscribe(names.edgeWildcard(edgeId), { callback: (_err, msg) => this.#onTargeted(msg) }),
    );
  }

  stop(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
  }

  #payload(msg: Msg, event: string): string | undefined | null {
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

  #onBroadcast(msg: Msg, event: string): void {
    const payload = this.#payload(msg, event);
    if (payload === null || !event) return;
    const dropIfSlow = msg.headers?.get(EventHeaders.dropIfSlow) === "1";
    const stateVersion = this.#options.stateVersionFor(event);
    this.#options.broadcaster.broadcastJson(event, payload, stateVersion ? { dropIfSlow, stateVersion } : { dropIfSlow });
  }

  #onTargeted(msg: Msg): void {
    // <prefix>.edge.<edgeId>.conn.<connId>
    const parts = msg.subject.split(".");
    const connId = parts[parts.length - 1];
    const event = msg.headers?.get(EventHeaders.event);
    if (parts[parts.length - 2] !== "conn" || !connId || !event) return;
    const payload = this.#payload(msg, event);
    if (payload === null) return;
    this.#options.broadcaster.sendTo(connId, event, payload);
  }
}
