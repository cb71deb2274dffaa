import { PROTOCOL_V4, authorize, eventAccess, mayReceiveEventV4, type StateVersion } from "@clawdbot/protocol";
import { ChatShaper, type ShapedChat } from "./chat-shaping.js";
import type { Connection } from "./connection.js";
import type { FanoutObserver } from "./metrics.js";

export interface BroadcastOptions {
  /** A slow client misses this event instead of being disconnected. */
  dropIfSlow?: boolean;
  stateVersion?: StateVersion;
  /**
   * The event's position in the shared event log, which is its `seq` on every edge. Events the
   * edge makes itself (tick, health, shutdown) have none and carry the position reached so far.
   */
  logSeq?: number;
}

/**
 * Whether a client may see an event (spec §6.2): `approvals` and `pairing` events need that
 * scope, our `admin` events (config.changed) need operator.admin, which also sees everything
 * else. Nodes get no guarded event. The same rule as for calling methods of that access.
 */
function mayReceive(client: Connection, event: string, access: ReturnType<typeof eventAccess>): boolean {
  // v4 gates every event by its own table, failing closed (protocol-v4-delta §6.1).
  if (client.protocol === PROTOCOL_V4) return mayReceiveEventV4(client.role, client.scopes, event);
  return access === null || authorize(client.role, client.scopes, access) === null;
}

/** The payload JSON a client of this version gets; null when the event is not for its version. */
function payloadFor(client: Connection, payloadJson: string | undefined, chat: ShapedChat | null, resync: boolean): string | null | undefined {
  if (!chat) return payloadJson;
  if (client.protocol !== PROTOCOL_V4) return chat.v3;
  return resync ? chat.v4Resync() : chat.v4;
}

/**
 * Sends events to this edge's handshaken clients with the original's rules (spec §6.2): each
 * event serialised once, scope guards, and a client with more than `maxBufferedBytes` queued
 * either misses a droppable event or is closed 1008 "slow consumer". `seq` is the event's
 * position in the shared event log (event-log.ts), so it is the same on every edge; the edge's
 * own events repeat the last position (clients look only for `seq > last + 1`).
 *
 * Per version (protocol-v4-delta §2, §6): v3 clients share the edge's `seq` and get one text per
 * dialect; v4 clients get their own `seq` (counting events they miss), their own scope table,
 * their own slow threshold and the v4 `chat` shape. A v4 client that missed a chat delta gets the
 * run's whole text (`replace: true`) next, so its increments stay whole.
 */
export class Broadcaster {
  #seq = 0;
  readonly #clients: ReadonlyMap<string, Connection>;
  readonly #maxBufferedBytes: number;
  readonly #observer: FanoutObserver | undefined;
  readonly #chat = new ChatShaper();
  /** v4 clients that missed a chat delta, with the runs they missed it in. */
  readonly #missedChat = new WeakMap<Connection, Set<string>>();
  /** Clients being replayed to: their live frames wait here, so they arrive after the replay, in order. */
  readonly #held = new Map<Connection, string[]>();
  /** The log position when each client's connection opened: it got every later event live. */
  readonly #openedAt = new WeakMap<Connection, number>();

  constructor(clients: ReadonlyMap<string, Connection>, maxBufferedBytes: number, observer?: FanoutObserver) {
    this.#clients = clients;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#observer = observer;
  }

  /** The last log position this edge has fanned out (its clients' `seq` watermark). */
  get seq(): number {
    return this.#seq;
  }

  /** The log position the edge starts from, before any event reaches it. */
  startAt(seq: number): void {
    if (seq > this.#seq) this.#seq = seq;
  }

  /** A client finished its handshake: events after the current position reach it live. */
  opened(client: Connection): void {
    this.#openedAt.set(client, this.#seq);
  }

  /** The last log position this client could not have received live (it was not connected yet). */
  openedAt(client: Connection): number {
    return this.#openedAt.get(client) ?? this.#seq;
  }

  /** From now on, this client's live frames are held back until `release`. */
  hold(client: Connection): void {
    if (!this.#held.has(client)) this.#held.set(client, []);
  }

  /** Sends what was held back for this client, in order, and goes back to sending live. */
  release(client: Connection): void {
    const frames = this.#held.get(client);
    this.#held.delete(client);
    if (client.state !== "open") return;
    for (const text of frames ?? []) client.sendRaw(text);
  }

  /** Sends frames straight to one client, bypassing the hold (the replay itself). */
  sendReplayed(client: Connection, text: string): boolean {
    return client.state === "open" && client.sendRaw(text);
  }

  broadcast(event: string, payload: unknown, options: BroadcastOptions = {}): void {
    this.broadcastJson(event, payload === undefined ? undefined : JSON.stringify(payload), options);
  }

  /** Like `broadcast`, for a payload that is already JSON text. Returns how many clients got it. */
  broadcastJson(event: string, payloadJson: string | undefined, options: BroadcastOptions = {}): number {
    const access = eventAccess(event);
    if (options.logSeq !== undefined && options.logSeq > this.#seq) this.#seq = options.logSeq;
    const seq = options.logSeq ?? this.#seq;
    const holding = this.#held.size !== 0;
    const chat = event === "chat" ? this.#chat.shape(payloadJson) : null;
    // v3 frames are serialised at most once per dialect per edge, never once per socket; v4
    // payloads are shaped once, and only their per-client `seq` differs.
    const texts = new Map<string, string>();
    let delivered = 0;
    let dropped = 0;
    for (const client of this.#clients.values()) {
      if (client.state !== "open" || !mayReceive(client, event, access)) continue;
      const v4 = client.protocol === PROTOCOL_V4;
      const clientSeq = v4 ? client.nextEventSeq() : seq;
      const missed = v4 && chat ? this.#missedChat.get(client) : undefined;
      if (chat?.terminal) missed?.delete(chat.runId);
      if (client.bufferedAmount > (v4 ? client.maxBufferedBytes : this.#maxBufferedBytes)) {
        if (options.dropIfSlow) {
          dropped++;
          if (v4 && chat) this.#markMissed(client, chat.runId);
        } else {
          client.close(1008, "slow consumer");
          this.#observer?.slowConsumerClosed(client);
        }
        continue;
      }
      const resync = missed?.delete(chat!.runId) ?? false;
      const payload = payloadFor(client, payloadJson, chat, resync);
      if (payload === null) continue;
      const { dialect } = client;
      let text: string | undefined;
      if (v4) text = dialect.eventText(event, payload, clientSeq, options.stateVersion);
      else {
        text = texts.get(dialect.name);
        if (text === undefined) texts.set(dialect.name, (text = dialect.eventText(event, payload, seq, options.stateVersion)));
      }
      const held = holding ? this.#held.get(client) : undefined;
      if (held) {
        held.push(text);
        delivered++;
      } else if (client.sendRaw(text)) delivered++;
    }
    this.#observer?.fannedOut(event, delivered, dropped);
    return delivered;
  }

  /**
   * One stored event as this client gets it in a replay: null when the client may not see it
   * (scope guards, or a chat state its version does not know). v3 and JSON-RPC only: protocol 4
   * numbers events per connection, so the shared `seq` means nothing to it.
   */
  replayText(client: Connection, event: string, payloadJson: string | undefined, logSeq: number, stateVersion?: StateVersion): string | null {
    if (!mayReceive(client, event, eventAccess(event))) return null;
    const chat = event === "chat" ? new ChatShaper().shape(payloadJson) : null;
    const payload = payloadFor(client, payloadJson, chat, true);
    if (payload === null) return null;
    return client.dialect.eventText(event, payload, logSeq, stateVersion);
  }

  /**
   * A targeted event to one connection: no slow check, and no `seq` for v3, as the original
   * (spec §6.2); v4 numbers it like any other (protocol-v4-delta §2). A targeted chat delta
   * carries the run's whole text for a v4 client, since its increments are per broadcast.
   */
  sendTo(connId: string, event: string, payloadJson: string | undefined): boolean {
    const client = this.#clients.get(connId);
    if (!client || client.state !== "open") return false;
    const v4 = client.protocol === PROTOCOL_V4;
    const chat = event === "chat" ? new ChatShaper().shape(payloadJson) : null;
    const payload = payloadFor(client, payloadJson, chat, true);
    if (payload === null) return false;
    return client.sendRaw(client.dialect.eventText(event, payload, v4 ? client.nextEventSeq() : undefined));
  }

  #markMissed(client: Connection, runId: string): void {
    let runs = this.#missedChat.get(client);
    if (!runs) this.#missedChat.set(client, (runs = new Set()));
    runs.add(runId);
  }
}
