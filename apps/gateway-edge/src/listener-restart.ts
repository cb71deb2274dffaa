import type { AddressInfo } from "node:net";
import type { KvLease } from "@clawdbot/config";
import type { Logger } from "pino";
import type { Broadcaster } from "./fanout.js";
import type { ListenAddress } from "./live-config-settings.js";
import type { EdgeServer } from "./server.js";

/** What clients are told to expect: back within this long, at the same address unless the port moved. */
export const RESTART_EXPECTED_MS = 2_000;

export interface ListenerRestartOptions {
  server: EdgeServer;
  broadcaster: Broadcaster;
  /** Taken around each restart, so the edges of a deployment restart one at a time. */
  lease: () => Promise<KvLease>;
  /** Where to listen, read inside the lease so the latest config counts. */
  target: (current: ListenAddress) => ListenAddress;
  /** Where the listener is now (the bind as asked for, the port as given). */
  current: () => ListenAddress;
  /** Called once the listener is back: its address, and the port and bind it was opened with. */
  onListening: (address: AddressInfo, listenedOn: ListenAddress) => void | Promise<void>;
  /** The listener could be opened neither at the new address nor at the old one: the edge is unreachable. */
  onListenLost: (err: unknown) => void;
  log: Logger;
}

/**
 * Restarts the edge's listener for restart-class config changes (port, bind, TLS, plugins …),
 * gracefully: `shutdown` with `restartExpectedMs` to every client, close 1012, then the port is
 * closed and opened again (the process stays). Requests coalesce: however many changes arrive
 * while one restart waits for its turn, it runs once, with the config in force when its turn
 * comes. A change that arrives while a restart is under way gets one more restart after it.
 */
export class ListenerRestarter {
  readonly #options: ListenerRestartOptions;
  #waiting = false;
  #chain: Promise<void> = Promise.resolve();
  #active: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ListenerRestartOptions) {
    this.#options = options;
  }

  /** Asks for a restart; returns the restart that will serve it (it never rejects). */
  request(paths: readonly string[]): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#waiting) return this.#chain;
    this.#waiting = true;
    this.#options.log.info({ paths }, "listener restart requested (config change)");
    this.#chain = this.#chain.then(() => this.#takeTurn());
    return this.#chain;
  }

  /** No more restarts; waits for one under way to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#active;
  }

  async #takeTurn(): Promise<void> {
    const { log } = this.#options;
    try {
      const lease = await this.#options.lease();
      await lease.run(async () => {
        this.#waiting = false;
        if (this.#stopped) return;
        this.#active = this.#restart();
        await this.#active;
      });
    } catch (err) {
      this.#waiting = false;
      // Stopping closes NATS under a turn still waiting for the lease: nothing went wrong.
      if (!this.#stopped) log.error({ err }, "listener restart failed");
    } finally {
      this.#active = undefined;
    }
  }

  async #restart(): Promise<void> {
    const { server, broadcaster, log } = this.#options;
    const previous = this.#options.current();
    const target = this.#options.target(previous);
    if (target.warning) log.warn(target.warning);
    log.info({ from: { port: previous.port, bind: previous.bind }, to: { port: target.port, bind: target.bind } }, "listener restart: begin");
    server.stopAccepting();
    broadcaster.broadcast("shutdown", { reason: "config change", restartExpectedMs: RESTART_EXPECTED_MS });
    await server.closeClients(1012, "service restart");
    let address: AddressInfo;
    let listenedOn: ListenAddress = target;
    try {
      address = await server.listen(target);
    } catch (err) {
      // The new address is unusable (taken, not on this host): stay reachable where we were.
      log.error({ err, port: target.port, bind: target.bind }, "listener restart: cannot listen on the new address; back on the previous one");
      listenedOn = previous;
      try {
        address = await server.listen(previous);
      } catch (fallbackErr) {
        this.#options.onListenLost(fallbackErr);
        throw fallbackErr;
      }
    }
    await this.#options.onListening(address, listenedOn);
    log.info({ port: address.port, bind: address.address }, "listener restarted");
  }
}
