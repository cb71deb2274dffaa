import type { ConfigChangeSource } from "@clawdbot/protocol";
import type { Logger } from "pino";
import type { ConfigStore } from "./config-store.js";

/**
 * Turns change notices into refreshes: trailing debounce (`gateway.reload.debounceMs`) for file
 * events, and one refresh at a time; a notice during a refresh runs another one after it.
 */
export class ReloadScheduler {
  onRefreshed: (() => void) | undefined;
  readonly #store: ConfigStore;
  readonly #log: Logger;
  readonly #debounceMs: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #pending: ConfigChangeSource | undefined;
  #stopped = false;

  constructor(options: { store: ConfigStore; log: Logger; debounceMs: () => number }) {
    this.#store = options.store;
    this.#log = options.log;
    this.#debounceMs = options.debounceMs;
  }

  /** A debounced refresh. */
  schedule(source: ConfigChangeSource): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.now(source), this.#debounceMs());
  }

  /** A refresh as soon as the one running (if any) is done. */
  now(source: ConfigChangeSource): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#pending = source;
      return;
    }
    this.#running = this.#store
      .refresh(source)
      .then(() => this.onRefreshed?.())
      .catch((err: unknown) => this.#log.error({ err, source }, "config refresh failed"))
      .finally(() => {
        this.#running = undefined;
        const next = this.#pending;
        this.#pending = undefined;
        if (next) this.now(next);
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
