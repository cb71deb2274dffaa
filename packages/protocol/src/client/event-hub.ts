import type { EventPayload, GatewayEvent } from "./event-payloads.js";

export type EventHandler<E extends string> = (payload: EventPayload<E>, event: GatewayEvent<E>) => void;

/** Subscribing to this name receives every event. */
export const ANY_EVENT = "*";

/**
 * Event fan-out inside one client: callback listeners and async iterators, both by name or `*`.
 * Lives on the client, not the connection, so subscriptions survive reconnects.
 */
export class EventHub {
  readonly #listeners = new Map<string, Set<(event: GatewayEvent) => void>>();
  readonly #iterators = new Set<() => void>();
  readonly #onHandlerError: (err: unknown) => void;

  constructor(onHandlerError: (err: unknown) => void) {
    this.#onHandlerError = onHandlerError;
  }

  on<E extends string>(name: E, handler: EventHandler<E>): () => void {
    const listener = (event: GatewayEvent) => handler(event.payload as EventPayload<E>, event as GatewayEvent<E>);
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(name) === set) this.#listeners.delete(name);
    };
  }

  emit(event: GatewayEvent): void {
    for (const name of [event.event, ANY_EVENT]) {
      const set = this.#listeners.get(name);
      if (!set) continue;
      for (const listener of [...set]) {
        // One throwing handler must not starve the others or break the socket's message loop.
        try {
          listener(event);
        } catch (err) {
          this.#onHandlerError(err);
        }
      }
    }
  }

  /**
   * Events as an async iterator. Events are buffered while the consumer is busy (unbounded:
   * consume promptly or `break`). The iterator ends on `end()` (the client's `close()`) or
   * when `signal` aborts.
   */
  iterate<E extends string>(name: E, signal?: AbortSignal): AsyncIterableIterator<GatewayEvent<E>> {
    const buffer: GatewayEvent<E>[] = [];
    let wake: ((result: IteratorResult<GatewayEvent<E>>) => void) | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      unsubscribe();
      this.#iterators.delete(finish);
      signal?.removeEventListener("abort", finish);
      wake?.({ value: undefined, done: true });
      wake = undefined;
    };
    const unsubscribe = this.on(name, (_payload, event) => {
      if (wake) {
        const resolve = wake;
        wake = undefined;
        resolve({ value: event, done: false });
      } else {
        buffer.push(event);
      }
    });
    this.#iterators.add(finish);
    if (signal?.aborted) finish();
    else signal?.addEventListener("abort", finish, { once: true });

    const iterator: AsyncIterableIterator<GatewayEvent<E>> = {
      next: () => {
        const value = buffer.shift();
        if (value) return Promise.resolve({ value, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: () => {
        finish();
        buffer.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Ends every iterator; buffered events are still delivered first. Listeners stay. */
  end(): void {
    for (const finish of [...this.#iterators]) finish();
  }
}
