import { DEFAULT_POLICY } from "../constants.js";
import { ErrorCodes, GatewayError } from "../errors.js";
import type { EventFrame, Policy, ResponseFrame } from "../frames.js";
import type { AnyHelloOk } from "../frames-v4.js";
import { backoffDelay } from "./backoff.js";
import type { CallArgs, CallMethod, CallOptions, CallResult } from "./call-types.js";
import { type CloseInfo, Connection } from "./connection.js";
import { ANY_EVENT, type EventHandler, EventHub } from "./event-hub.js";
import type { EventName, GatewayEvent } from "./event-payloads.js";
import { CLIENT_DEFAULTS, type GatewayClientOptions, buildConnectParams } from "./options.js";
import { globalWebSocket, type WebSocketConstructor } from "./socket.js";

/** `idle` before `connect()`, `connecting` between attempts, `open` after hello-ok, `closed` after `close()`. */
export type ClientState = "idle" | "connecting" | "open" | "closed";

interface Call {
  method: string;
  params: unknown;
  expectFinal: boolean;
  resolve: (payload: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Waiter {
  resolve: (hello: AnyHelloOk) => void;
  reject: (error: Error) => void;
}

const notConnected = (message: string) => new GatewayError(ErrorCodes.NOT_CONNECTED, message, { kind: "notConnected" });

/**
 * A typed client of the gateway's native protocol (v3) for browsers and Node: handshake,
 * typed calls, events, reconnect with backoff, and the tick watchdog.
 *
 * @example
 * import WebSocket from "ws"; // Node 20; in a browser leave `WebSocket` out
 * const client = new GatewayClient({ url: "ws://127.0.0.1:18789", token, WebSocket });
 * const hello = await client.connect();
 * const { sessions } = await client.call("sessions.list", { limit: 5 });
 * const off = client.on("tick", (payload) => console.log(payload.ts));
 * client.close();
 */
export class GatewayClient {
  readonly #options: GatewayClientOptions;
  readonly #WebSocket: WebSocketConstructor | undefined;
  readonly #hub: EventHub;
  readonly #pending = new Map<string, Call>();
  readonly #queued = new Set<Call>();
  readonly #waiters = new Set<Waiter>();
  #state: ClientState = "idle";
  #conn: Connection | undefined;
  #hello: AnyHelloOk | undefined;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #lastSeq: number | undefined;
  /** The gateway said `shutdown` on this connection: new calls wait for the next one. */
  #closing = false;
  /** Numbered events that came in while a replay was under way: emitted in `seq` order after it. */
  #replayBuffer: EventFrame[] | undefined;
  #nextId = 0;

  constructor(options: GatewayClientOptions) {
    this.#options = options;
    this.#WebSocket = options.WebSocket ?? globalWebSocket();
    this.#hub = new EventHub((err) => this.#reportError(err));
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The latest hello-ok (server, features, snapshot, policy); undefined before the first. */
  get hello(): AnyHelloOk | undefined {
    return this.#hello;
  }

  /** The server's policy from the latest hello-ok, or the protocol defaults before it. */
  get policy(): Policy {
    return this.#hello?.policy ?? { ...DEFAULT_POLICY };
  }

  /**
   * Opens the connection and resolves with hello-ok. Failed attempts are retried with backoff
   * until `connectTimeoutMs`; a refusal that retrying cannot fix (wrong token, protocol
   * mismatch) rejects at once with the server's {@link GatewayError}; either way the client is
   * then closed. After hello-ok, drops are reconnected automatically, and `connect()` during a
   * reconnect waits for the next hello-ok (rejecting after `connectTimeoutMs` without closing).
   *
   * @example
   * const hello = await client.connect();
   * console.log(hello.server.connId, hello.features.methods.length);
   */
  connect(): Promise<AnyHelloOk> {
    if (this.#state === "closed") return Promise.reject(notConnected("client is closed"));
    if (this.#state === "open" && this.#hello) return Promise.resolve(this.#hello);
    const promise = new Promise<AnyHelloOk>((resolve, reject) => {
      const timeoutMs = this.#options.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs;
      const waiter: Waiter = {
        resolve: (hello) => (clearTimeout(timer), resolve(hello)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            const error = new GatewayError(ErrorCodes.UNAVAILABLE, `could not connect to ${this.#options.url} within ${timeoutMs} ms`, { kind: "timeout", retryable: true });
            // Never connected: give up, so a script against a dead URL ends. Once connected,
            // reconnecting goes on for the subscriptions; only this wait ends.
            if (!this.#hello) return this.#stop(error);
            this.#waiters.delete(waiter);
            waiter.reject(error);
          }, timeoutMs)
        : undefined;
      this.#waiters.add(waiter);
    });
    if (this.#state === "idle") {
      this.#state = "connecting";
      this.#open();
    }
    return promise;
  }

  /**
   * Calls a method and resolves with its result payload. Params and result are typed from the
   * method registry (`methods` in `@clawdbot/protocol`); other method names are accepted and
   * typed `unknown`. A call made while reconnecting waits for the next hello-ok (within its
   * timeout); a call in flight when the connection drops rejects, since it may or may not have
   * run. Errors are {@link GatewayError}s.
   *
   * @example
   * const list = await client.call("sessions.list", { limit: 5 }); // typed SessionsListResult
   * const run = await client.call("agent", { message: "hi", idempotencyKey: id }, { expectFinal: true, timeoutMs: 600_000 });
   */
  call<M extends CallMethod>(method: M, ...[params, options]: CallArgs<M>): Promise<CallResult<M>> {
    if (this.#state === "closed") return Promise.reject(notConnected("client is closed"));
    if (this.#state === "idle") return Promise.reject(notConnected("not connected: call connect() first"));
    const callOptions: CallOptions = options ?? {};
    return new Promise<CallResult<M>>((resolve, reject) => {
      const call: Call = { method, params, expectFinal: callOptions.expectFinal ?? false, resolve: resolve as (payload: unknown) => void, reject, timer: undefined };
      const timeoutMs = callOptions.timeoutMs ?? this.#options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs;
      if (Number.isFinite(timeoutMs)) {
        call.timer = setTimeout(() => {
          this.#queued.delete(call);
          for (const [id, c] of this.#pending) if (c === call) this.#pending.delete(id);
          reject(new GatewayError(ErrorCodes.UNAVAILABLE, `${method} timed out after ${timeoutMs} ms`, { kind: "timeout", retryable: true, details: { method, timeoutMs } }));
        }, timeoutMs);
      }
      if (this.#state === "open" && !this.#closing) this.#send(call);
      else this.#queued.add(call);
    });
  }

  /**
   * Subscribes to an event by name (`"*"` for all). The payload is typed for known events.
   * Subscriptions survive reconnects. Returns the unsubscribe function.
   *
   * @example
   * const off = client.on("chat", (payload) => { if (payload.state === "final") render(payload.message); });
   * off();
   */
  on<E extends EventName>(event: E, handler: EventHandler<E>): () => void {
    return this.#hub.on(event, handler);
  }

  /**
   * Events as an async iterator, by name or all (`"*"`, the default). Ends on `close()`, on
   * `break`, or when `signal` aborts.
   *
   * @example
   * for await (const { payload } of client.events("tick")) console.log(payload.ts);
   */
  events<E extends EventName = typeof ANY_EVENT>(event?: E, options: { signal?: AbortSignal } = {}): AsyncIterableIterator<GatewayEvent<E>> {
    return this.#hub.iterate((event ?? ANY_EVENT) as E, options.signal);
  }

  /**
   * Closes for good: no more reconnects, pending calls reject, iterators end.
   *
   * @example
   * client.close();
   */
  close(): void {
    if (this.#state === "closed") return;
    this.#stop(notConnected("client closed"));
  }

  #open(): void {
    const WebSocket = this.#WebSocket;
    if (!WebSocket) return this.#stop(new TypeError("no WebSocket implementation: pass `WebSocket` (from `ws` in Node) in the options"));
    try {
      this.#conn = new Connection(
        {
          WebSocket,
          url: this.#options.url,
          ...(this.#options.protocols !== undefined ? { protocols: this.#options.protocols } : {}),
          challengeTimeoutMs: this.#options.challengeTimeoutMs ?? CLIENT_DEFAULTS.challengeTimeoutMs,
          handshakeTimeoutMs: this.#options.handshakeTimeoutMs ?? CLIENT_DEFAULTS.handshakeTimeoutMs,
          tickWatchdog: this.#options.tickWatchdog ?? true,
          connectParams: (nonce) => buildConnectParams(this.#options, nonce),
          nextId: () => String(++this.#nextId),
        },
        {
          onHello: (hello) => this.#onHello(hello),
          onResponse: (frame) => this.#onResponse(frame),
          onEvent: (frame) => this.#onEvent(frame),
          onInvalidFrame: (id, error) => this.#onInvalidFrame(id, error),
          onClose: (info) => this.#onClose(info),
        },
      );
    } catch (err) {
      // The constructor throws on a malformed URL: retrying cannot help.
      this.#stop(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #onHello(hello: AnyHelloOk): void {
    this.#hello = hello;
    this.#state = "open";
    this.#closing = false;
    this.#attempt = 0;
    const missedSince = this.#lastSeq;
    // The original counts seq per process (spec §6.2), so a new connection, perhaps to another
    // gateway, would report false gaps: start over, unless this gateway can replay what we missed.
    const replay = this.#options.replayEvents === true && missedSince !== undefined && hello.protocol === 3;
    if (!replay) this.#lastSeq = undefined;
    for (const waiter of this.#waiters) waiter.resolve(hello);
    this.#waiters.clear();
    if (replay) this.#replay(missedSince);
    for (const call of this.#queued) this.#send(call);
    this.#queued.clear();
    this.#safely(() => this.#options.onHello?.(hello));
  }

  /** Sent before anything else on the new connection; events are buffered until it answers. */
  #replay(sinceSeq: number): void {
    const buffer: EventFrame[] = [];
    this.#replayBuffer = buffer;
    const done = () => {
      if (this.#replayBuffer !== buffer) return;
      this.#replayBuffer = undefined;
      // Replayed events are older than those that came live before the replay started: sort (stably).
      for (const frame of buffer.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))) this.#onEvent(frame);
    };
    const call: Call = {
      method: "events.replay",
      params: { sinceSeq },
      expectFinal: false,
      resolve: done,
      // Gone, or a gateway without events.replay: the gap stays, and onGap reports it with the next event.
      reject: done,
      timer: undefined,
    };
    this.#send(call);
  }

  #send(call: Call): void {
    const id = String(++this.#nextId);
    const frame = call.params === undefined ? { type: "req", id, method: call.method } : { type: "req", id, method: call.method, params: call.params };
    if (this.#conn?.send(frame)) this.#pending.set(id, call);
    else this.#queued.add(call); // the socket is going away; the next hello-ok sends it
  }

  #onResponse(frame: ResponseFrame): void {
    const call = this.#pending.get(frame.id);
    if (!call) return; // timed out already
    if (frame.ok && call.expectFinal && (frame.payload as { status?: unknown } | undefined)?.status === "accepted") return;
    this.#settle(frame.id, call);
    if (frame.ok) call.resolve(frame.payload);
    else call.reject(frame.error ? GatewayError.fromShape(frame.error) : new GatewayError(ErrorCodes.UNAVAILABLE, `${call.method} failed`));
  }

  #onInvalidFrame(id: string | undefined, error: GatewayError): void {
    const call = id === undefined ? undefined : this.#pending.get(id);
    if (id !== undefined && call) {
      this.#settle(id, call);
      call.reject(error);
    } else {
      this.#reportError(error);
    }
  }

  #onEvent(frame: EventFrame): void {
    // The edge finishes what it already has, then closes 1012: a call sent now could cross that
    // close on the wire, so it goes out on the next connection instead.
    if (frame.event === "shutdown") this.#closing = true;
    if (this.#replayBuffer && frame.seq !== undefined) {
      this.#replayBuffer.push(frame);
      return;
    }
    if (frame.seq !== undefined) {
      const last = this.#lastSeq;
      if (last !== undefined && frame.seq > last + 1) {
        const gap = { expected: last + 1, received: frame.seq };
        this.#safely(() => this.#options.onGap?.(gap));
      }
      if (last === undefined || frame.seq > last) this.#lastSeq = frame.seq;
    }
    const event: GatewayEvent = { event: frame.event, payload: frame.payload };
    if (frame.seq !== undefined) event.seq = frame.seq;
    if (frame.stateVersion !== undefined) event.stateVersion = frame.stateVersion;
    this.#hub.emit(event);
  }

  #onClose(info: CloseInfo): void {
    this.#conn = undefined;
    const dropped = new GatewayError(ErrorCodes.UNAVAILABLE, `gateway closed (${info.code}): ${info.reason || "no reason"}`, { details: { code: info.code, reason: info.reason } });
    for (const [id, call] of this.#pending) {
      this.#settle(id, call);
      call.reject(dropped);
    }
    this.#safely(() => this.#options.onClose?.(info));
    if (this.#state === "closed") return;
    if (info.error && !isRetryable(info.error)) return this.#stop(info.error);
    if (this.#options.reconnect === false) return this.#stop(dropped);
    this.#state = "connecting";
    const attempt = this.#attempt++;
    const delayMs = backoffDelay(attempt, this.#options.reconnect);
    this.#reconnectTimer = setTimeout(() => this.#open(), delayMs);
    this.#safely(() => this.#options.onReconnect?.({ attempt, delayMs }));
  }

  #settle(id: string, call: Call): void {
    this.#pending.delete(id);
    clearTimeout(call.timer);
  }

  /** Ends the client: no more reconnects; waiting `connect()`s and every call reject with `error`. */
  #stop(error: Error): void {
    this.#state = "closed";
    clearTimeout(this.#reconnectTimer);
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
    const calls = [...this.#queued, ...this.#pending.values()];
    this.#queued.clear();
    this.#pending.clear();
    for (const call of calls) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    this.#conn?.close(1000, "client closed");
    this.#conn = undefined;
    this.#hub.end();
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#reportError(err);
    }
  }

  #reportError(err: unknown): void {
    const onError = this.#options.onError;
    if (onError) {
      try {
        onError(err);
      } catch {
        // an error handler that throws has nowhere left to report to
      }
    }
  }
}

/**
 * Whether a failed handshake is worth retrying. Server refusals are final (credentials, protocol,
 * pairing) unless the server says otherwise; our own timeouts and outages are not.
 */
function isRetryable(error: GatewayError): boolean {
  return error.retryable === true || error.code === ErrorCodes.UNAVAILABLE;
}

/**
 * Creates a {@link GatewayClient}. In Node 20 pass `WebSocket` from `ws`, or import
 * `createGatewayClient` from `@clawdbot/protocol/ws` instead, which does that for you.
 *
 * @example
 * const client = createGatewayClient({ url: "ws://127.0.0.1:18789", token }); // browser
 * await client.connect();
 * const health = await client.call("health");
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  return new GatewayClient(options);
}
