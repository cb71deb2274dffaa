import { eventGuard, type StateVersion } from "@clawdbot/protocol";
import type { Connection } from "./connection.js";

export interface BroadcastOptions {
  /** A slow client misses this event instead of being disconnected. */
  dropIfSlow?: boolean;
  stateVersion?: StateVersion;
}

/** Whether a client may see an event guarded by a scope (spec §6.2). */
function mayReceive(client: Connection, guard: "approvals" | "pairing" | null): boolean {
  if (guard === null) return true;
  if (client.role === "node") return false;
  return client.scopes.includes("operator.admin") || client.scopes.includes(`operator.${guard}`);
}

/**
 * Sends events to this edge's handshaken clients with the original's rules (spec §6.2): one
 * `seq` per edge, each event serialised once, scope guards, and a client with more than
 * `maxBufferedBytes` queued either misses a droppable event or is closed 1008 "slow consumer".
 */
export class Broadcaster {
  #seq = 0;
  readonly #clients: ReadonlyMap<string, Connection>;
  readonly #maxBufferedBytes: number;

  constructor(clients: ReadonlyMap<string, Connection>, maxBufferedBytes: number) {
    this.#clients = clients;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  get seq(): number {
    return this.#seq;
  }

  broadcast(event: string, payload: unknown, options: BroadcastOptions = {}): void {
    this.broadcastJson(event, payload === undefined ? undefined : JSON.stringify(payload), options);
  }

  /** Like `broadcast`, for a payload that is already JSON text. Returns how many clients got it. */
  broadcastJson(event: string, payloadJson: string | undefined, options: BroadcastOptions = {}): number {
    const guard = eventGuard(event);
    const seq = ++this.#seq;
    // Serialised at most once per dialect per edge, never once per socket.
    const texts = new Map<string, string>();
    let delivered = 0;
    for (const client of this.#clients.values()) {
      if (client.state !== "open" || !mayReceive(client, guard)) continue;
      if (client.bufferedAmount > this.#maxBufferedBytes) {
        if (!options.dropIfSlow) client.close(1008, "slow consumer");
        continue;
      }
      const { dialect } = client;
      let text = texts.get(dialect.name);
      if (text === undefined) texts.set(dialect.name, (text = dialect.eventText(event, payloadJson, seq, options.stateVersion)));
      if (client.sendRaw(text)) delivered++;
    }
    return delivered;
  }

  /** A targeted event to one connection: no `seq`, no slow check, as the original (spec §6.2). */
  sendTo(connId: string, event: string, payloadJson: string | undefined): boolean {
    const client = this.#clients.get(connId);
    if (!client || client.state !== "open") return false;
    return client.sendRaw(client.dialect.eventText(event, payloadJson));
  }
}
