import type { StateVersion } from "@clawdbot/protocol";
import type { Connection } from "./connection.js";
import { eventFrame } from "./frames.js";

export interface BroadcastOptions {
  /** A slow client misses this event instead of being disconnected. */
  dropIfSlow?: boolean;
  stateVersion?: StateVersion;
}

/**
 * Sends events to every handshaken client of this edge with the original's rules (spec §6.2):
 * one `seq` per edge, each event serialised once, and a client whose socket has more than
 * `maxBufferedBytes` queued either misses a droppable event or is closed 1008 "slow consumer".
 */
export class Broadcaster {
  #seq = 0;
  readonly #clients: ReadonlySet<Connection>;
  readonly #maxBufferedBytes: number;

  constructor(clients: ReadonlySet<Connection>, maxBufferedBytes: number) {
    this.#clients = clients;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  broadcast(event: string, payload: unknown, options: BroadcastOptions = {}): void {
    const frame = eventFrame(event, payload, ++this.#seq, options.stateVersion);
    for (const client of this.#clients) {
      if (client.state !== "open") continue;
      if (client.bufferedAmount > this.#maxBufferedBytes) {
        if (!options.dropIfSlow) client.close(1008, "slow consumer");
        continue;
      }
      client.sendRaw(frame);
    }
  }
}
