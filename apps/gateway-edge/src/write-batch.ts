import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * Coalesces the frames written to one socket within one turn of the event loop into a single
 * `writev`. A burst of NATS replies arrives in one read and is answered in one synchronous pass;
 * without corking, every answer is its own syscall (the largest single cost in the bench
 * profile). Corked sockets are uncorked in the loop's check phase, right after the I/O that
 * produced the frames, so a lone reply waits microseconds, never a timer.
 *
 * `bufferedAmount` still counts corked bytes, so slow-consumer checks see them; `close()` and
 * `end()` flush what is corked.
 */
export class WriteBatch {
  readonly #corked = new Set<Duplex>();
  #scheduled = false;

  /** Corks the socket under `ws` until the end of this loop turn (once per turn per socket). */
  hold(ws: WebSocket): void {
    const socket = (ws as unknown as { _socket?: Duplex })._socket;
    if (!socket || this.#corked.has(socket)) return;
    socket.cork();
    this.#corked.add(socket);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes out everything held. */
  flush(): void {
    this.#scheduled = false;
    for (const socket of this.#corked) socket.uncork();
    this.#corked.clear();
  }
}
