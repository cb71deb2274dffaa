import WebSocket from "ws";

/**
 * What became of every call the load clients made. A call counts as `sent` once it was written
 * to a socket that had finished its handshake, and then ends in exactly one of:
 * - `answered`: a `res` with `ok: true`;
 * - `failedRetryable`: a `res` with `ok: false` and `error.retryable: true`;
 * - `failedClosed`: the client saw its socket close before the answer (close event), which is
 *   what a real client reports as "gateway closed" and retries; also retryable;
 * - `failedOther`: a `res` with `ok: false` that is not retryable;
 * - `lost`: none of these by the end, after the drain deadline: no answer on a socket that
 *   still looks open. This must be 0.
 */
export interface CallTally {
  sent: number;
  answered: number;
  failedRetryable: number;
  failedClosed: number;
  failedOther: number;
  lost: number;
  /** `res` frames whose id was not pending (a duplicate or a stranger's answer). */
  unexpected: number;
}

export interface LoadOptions {
  url: string;
  token: string;
  method: string;
  params?: unknown;
  /** Pause between one answer and the next call, drawn uniformly from this range. */
  thinkMs?: [number, number];
  reconnectMs?: [number, number];
  clientMode?: string;
  /**
   * After a `shutdown` event, send no new call on that socket (as the typed client does): wait
   * for its close and call again on the next connection.
   */
  heedShutdown?: boolean;
}

interface Pending {
  id: string;
  sentAt: number;
}

const emptyTally = (): CallTally => ({ sent: 0, answered: 0, failedRetryable: 0, failedClosed: 0, failedOther: 0, lost: 0, unexpected: 0 });
const between = ([min, max]: [number, number]) => min + Math.random() * (max - min);

/**
 * One plain `ws` client of protocol 3 that keeps one call in flight, reconnects when its socket
 * closes, and reports every outcome to the fleet's tally.
 */
class LoadClient {
  /** Handshakes completed (hello-ok), over the client's life. */
  hellos = 0;
  /** Closes seen while handshaken. */
  drops = 0;
  /** Calls answered ok since the last hello-ok, and in all. */
  answeredSinceHello = 0;
  answered = 0;
  /** When the current socket's `shutdown` event arrived, if it did. */
  shutdownAt: number | undefined;
  #ws: WebSocket | undefined;
  #open = false;
  #pending: Pending | undefined;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #fleet: Load;
  readonly #index: number;
  #onHello: (() => void) | undefined;

  constructor(fleet: Load, index: number) {
    this.#fleet = fleet;
    this.#index = index;
  }

  get open(): boolean {
    return this.#open;
  }

  get pending(): Pending | undefined {
    return this.#pending;
  }

  /** Resolves at the next hello-ok. */
  connect(): Promise<void> {
    const hello = new Promise<void>((resolve) => (this.#onHello = resolve));
    this.#dial();
    return hello;
  }

  /** The next call (after a think pause) if the fleet is running and nothing is in flight. */
  schedule(): void {
    clearTimeout(this.#timer);
    if (!this.#fleet.running || !this.#open || this.#pending) return;
    this.#timer = setTimeout(() => this.#call(), between(this.#fleet.options.thinkMs ?? [100, 500]));
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#ws?.terminate();
  }

  /** Gives up on the call in flight, if any; true when there was one. */
  abandon(): boolean {
    const had = this.#pending !== undefined;
    this.#pending = undefined;
    return had;
  }

  #dial(): void {
    const { url } = this.#fleet.options;
    const ws = new WebSocket(url, { maxPayload: 25 * 1024 * 1024, handshakeTimeout: 10_000 });
    this.#ws = ws;
    ws.on("error", () => undefined); // reported by `close`
    ws.on("message", (data) => this.#onFrame(ws, (data as Buffer).toString("utf8")));
    ws.on("close", () => this.#onClose(ws));
  }

  #onFrame(ws: WebSocket, text: string): void {
    let frame: { type?: string; event?: string; id?: string; ok?: boolean; error?: { code?: string; message?: string; retryable?: boolean } };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      this.#fleet.garbage++;
      return;
    }
    if (frame.type === "event" && frame.event === "connect.challenge") {
      ws.send(
        JSON.stringify({
          type: "req",
          id: "connect",
          method: "connect",
          params: {
            minProtocol: 3,
            maxProtocol: 3,
            client: { id: "cli", version: "1.0.0", platform: process.platform, mode: this.#fleet.options.clientMode ?? "cli", instanceId: `load-${this.#index}` },
            auth: { token: this.#fleet.options.token },
          },
        }),
      );
      return;
    }
    if (frame.type === "event" && frame.event === "shutdown") this.shutdownAt ??= Date.now();
    if (frame.type !== "res") return;
    if (frame.id === "connect") {
      if (!frame.ok) {
        this.#fleet.handshakeRefusals++;
        ws.terminate();
        return;
      }
      this.#open = true;
      this.hellos++;
      this.answeredSinceHello = 0;
      this.#onHello?.();
      this.#onHello = undefined;
      this.schedule();
      return;
    }
    if (!this.#pending || frame.id !== this.#pending.id) {
      this.#fleet.tally.unexpected++;
      return;
    }
    this.#pending = undefined;
    if (frame.ok) {
      this.#fleet.tally.answered++;
      this.answeredSinceHello++;
      this.answered++;
    } else {
      const retryable = frame.error?.retryable === true;
      if (retryable) this.#fleet.tally.failedRetryable++;
      else this.#fleet.tally.failedOther++;
      this.#fleet.noteError(`${frame.error?.code}${retryable ? " (retryable)" : ""}: ${frame.error?.message ?? ""}`.slice(0, 120));
    }
    this.schedule();
  }

  #onClose(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    if (this.#open) this.drops++;
    this.#open = false;
    if (this.#pending) {
      if (this.shutdownAt !== undefined && this.#pending.sentAt >= this.shutdownAt) this.#fleet.closedAfterShutdown++;
      this.#pending = undefined;
      this.#fleet.tally.failedClosed++;
    }
    this.shutdownAt = undefined;
    clearTimeout(this.#timer);
    if (this.#fleet.closing) return;
    this.#timer = setTimeout(() => this.#dial(), between(this.#fleet.options.reconnectMs ?? [100, 400]));
  }

  #call(): void {
    // A think pause that ends after `stop()` must not send: its outcome would land in the next
    // phase's tally while its `sent` landed in this one.
    if (!this.#fleet.running || !this.#open || this.#pending || !this.#ws) return;
    if (this.#fleet.options.heedShutdown && this.shutdownAt !== undefined) return; // the close reconnects
    const id = `${this.#index}-${++this.#seq}`;
    const { method, params } = this.#fleet.options;
    this.#ws.send(JSON.stringify(params === undefined ? { type: "req", id, method } : { type: "req", id, method, params }));
    this.#pending = { id, sentAt: Date.now() };
    this.#fleet.tally.sent++;
  }
}

/** A fleet of load clients sharing one tally. */
export class Load {
  readonly options: LoadOptions;
  readonly tally: CallTally = emptyTally();
  readonly errors = new Map<string, number>();
  readonly clients: LoadClient[];
  running = false;
  closing = false;
  handshakeRefusals = 0;
  garbage = 0;
  /** Of `failedClosed`: calls sent after the client had its socket's `shutdown` event. */
  closedAfterShutdown = 0;

  private constructor(count: number, options: LoadOptions) {
    this.options = options;
    this.clients = Array.from({ length: count }, (_, i) => new LoadClient(this, i));
  }

  /** Opens `count` clients, `concurrency` handshakes at a time, and resolves when all are handshaken. */
  static async connect(count: number, options: LoadOptions, concurrency = 50): Promise<Load> {
    const load = new Load(count, options);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await load.clients[next++]!.connect();
      }),
    );
    return load;
  }

  start(): void {
    this.running = true;
    for (const client of this.clients) client.schedule();
  }

  /**
   * Stops issuing calls and waits for what is in flight (up to `drainMs`). What is still pending
   * then is lost, and given up: an answer arriving later counts as `unexpected`. `start()` may follow.
   */
  async stop(drainMs: number): Promise<CallTally> {
    this.running = false;
    const deadline = Date.now() + drainMs;
    while (this.clients.some((c) => c.pending) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const client of this.clients) if (client.abandon()) this.tally.lost++;
    return { ...this.tally };
  }

  close(): void {
    this.running = false;
    this.closing = true;
    for (const client of this.clients) client.close();
  }

  noteError(key: string): void {
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  get openCount(): number {
    return this.clients.filter((c) => c.open).length;
  }

  snapshot(): CallTally {
    return { ...this.tally };
  }
}

/** Outcomes between two snapshots. */
export function diffTally(after: CallTally, before: CallTally): CallTally {
  const out = emptyTally();
  for (const key of Object.keys(out) as (keyof CallTally)[]) out[key] = after[key] - before[key];
  return out;
}
