import { GatewayError } from "../errors.js";
import { type ConnectParams, type EventFrame, GatewayFrame, HelloOk, type ResponseFrame } from "../frames.js";
import { type AnyHelloOk, GatewayFrameV4, HelloOkV4 } from "../frames-v4.js";
import { formatParamsIssues } from "../issues.js";
import { OPEN, type WebSocketConstructor, type WebSocketLike, messageText } from "./socket.js";

/** How one connection ended. */
export interface CloseInfo {
  code: number;
  reason: string;
  /** True when this client closed it (tick timeout, handshake timeout, `close()`). */
  local: boolean;
  /** True when hello-ok had been received on it. */
  wasOpen: boolean;
  /** Set when the gateway refused `connect` (its error `res`) or the handshake failed locally. */
  error?: GatewayError;
}

export interface ConnectionOptions {
  WebSocket: WebSocketConstructor;
  url: string;
  protocols?: string | string[];
  challengeTimeoutMs: number;
  handshakeTimeoutMs: number;
  tickWatchdog: boolean;
  connectParams: (nonce: string | undefined) => ConnectParams | Promise<ConnectParams>;
  nextId: () => string;
}

export interface ConnectionHandlers {
  onHello(hello: AnyHelloOk): void;
  onResponse(frame: ResponseFrame): void;
  onEvent(frame: EventFrame): void;
  /** A frame failed the protocol schema; `id` is its id when it has one (to fail that call). */
  onInvalidFrame(id: string | undefined, error: GatewayError): void;
  onClose(info: CloseInfo): void;
}

// Close codes a browser lets a script send are 1000 and 3000-4999, so local failures use the 4xxx
// range as the reference clients do (spec §10.1, §10.3).
export const TICK_TIMEOUT = { code: 4000, reason: "tick timeout" } as const;
const CONNECT_FAILED = 4008;
/** How long a locally closed socket may take to finish its closing handshake before it is cut. */
const TERMINATE_AFTER_MS = 1_000;

const noop = () => undefined;

/**
 * One WebSocket from open to close: waits for `connect.challenge` (or 750 ms), sends `connect`,
 * validates hello-ok, then routes frames and runs the tick watchdog. Reconnecting is the
 * client's job; a Connection is used once.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #handlers: ConnectionHandlers;
  readonly #socket: WebSocketLike;
  #connectId: string | undefined;
  #hello: AnyHelloOk | undefined;
  #refusal: GatewayError | undefined;
  #closed = false;
  #lastTick = 0;
  #challengeTimer: ReturnType<typeof setTimeout> | undefined;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(options: ConnectionOptions, handlers: ConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#socket = new options.WebSocket(options.url, options.protocols);
    this.#socket.onopen = () => this.#onOpen();
    this.#socket.onmessage = (event) => this.#onMessage(event.data);
    this.#socket.onclose = (event) => this.#finish({ code: event.code, reason: event.reason, local: false });
    // `close` always follows `error`, and carries what matters; the handler must exist anyway,
    // because `ws` throws an `error` event that has no listener.
    this.#socket.onerror = noop;
    // Covers a server that accepts TCP but never answers (a stopped process): without this an
    // attempt could hang forever and the client would never retry.
    this.#handshakeTimer = setTimeout(
      () => this.close(CONNECT_FAILED, "handshake timeout", new GatewayError("UNAVAILABLE", `no hello-ok within ${options.handshakeTimeoutMs} ms`, { kind: "timeout", retryable: true })),
      options.handshakeTimeoutMs,
    );
  }

  get hello(): AnyHelloOk | undefined {
    return this.#hello;
  }

  /** Sends a frame if the socket is open; false when it is not (the caller fails the call). */
  send(frame: unknown): boolean {
    if (this.#closed || this.#socket.readyState !== OPEN) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes from this side and reports it at once, without waiting for the server's answer. */
  close(code: number, reason: string, error?: GatewayError): void {
    if (this.#closed) return;
    const socket = this.#socket;
    // Detach first: a stopped server never completes the closing handshake, and the client must
    // be free to reconnect now rather than after the implementation's own close timeout.
    socket.onopen = noop;
    socket.onmessage = noop;
    socket.onclose = noop;
    try {
      socket.close(code, reason);
    } catch {
      // Closing a socket that never opened may throw in some implementations; it is gone either way.
    }
    const terminate = (socket as { terminate?: () => void }).terminate;
    if (typeof terminate === "function") {
      const timer = setTimeout(() => terminate.call(socket), TERMINATE_AFTER_MS);
      (timer as { unref?: () => void }).unref?.();
    }
    this.#finish({ code, reason, local: true, error });
  }

  #onOpen(): void {
    // The reference client waits 750 ms for the challenge, then connects without a nonce.
    this.#challengeTimer = setTimeout(() => this.#sendConnect(undefined), this.#options.challengeTimeoutMs);
  }

  #sendConnect(nonce: string | undefined): void {
    if (this.#connectId !== undefined || this.#closed) return;
    clearTimeout(this.#challengeTimer);
    const id = (this.#connectId = this.#options.nextId());
    Promise.resolve()
      .then(() => this.#options.connectParams(nonce))
      .then((params) => this.send({ type: "req", id, method: "connect", params }))
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        this.close(CONNECT_FAILED, "connect params failed", new GatewayError("INVALID_REQUEST", `cannot build connect params: ${message}`, { cause: err }));
      });
  }

  #onMessage(data: unknown): void {
    const text = messageText(data);
    if (text === undefined) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return; // not a frame; the gateway never sends these, and nothing can be matched to it
    }
    // After a v4 hello-ok, frames are read with v4's envelope (events may carry `recipientProfileId`).
    const parsed = (this.#hello?.protocol === 4 ? GatewayFrameV4 : GatewayFrame).safeParse(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown } | null)?.id;
      this.#handlers.onInvalidFrame(typeof id === "string" ? id : undefined, new GatewayError("INVALID_REQUEST", `invalid frame from gateway: ${formatParamsIssues(parsed.error.issues)}`));
      return;
    }
    const frame = parsed.data;
    if (frame.type === "event") return this.#onEvent(frame);
    if (frame.type !== "res") return; // servers send no requests (spec §1.1)
    if (frame.id === this.#connectId && !this.#hello) return this.#onConnectResponse(frame);
    if (this.#hello) this.#handlers.onResponse(frame);
  }

  #onEvent(frame: EventFrame): void {
    if (frame.event === "connect.challenge" && !this.#hello) {
      const nonce = (frame.payload as { nonce?: unknown } | undefined)?.nonce;
      this.#sendConnect(typeof nonce === "string" ? nonce : undefined);
    }
    if (frame.event === "tick") this.#lastTick = Date.now();
    this.#handlers.onEvent(frame);
  }

  #onConnectResponse(frame: ResponseFrame): void {
    if (!frame.ok) {
      this.#refusal = frame.error ? GatewayError.fromShape(frame.error) : new GatewayError("UNAVAILABLE", "connect failed");
      // The gateway closes after a refusal; closing here too does not depend on it doing so.
      return this.close(CONNECT_FAILED, "connect failed", this.#refusal);
    }
    // The gateway says which version it chose; each version's hello-ok has its own schema.
    const v4 = (frame.payload as { protocol?: unknown } | undefined)?.protocol === 4;
    const hello = (v4 ? HelloOkV4 : HelloOk).safeParse(frame.payload);
    if (!hello.success) {
      return this.close(CONNECT_FAILED, "invalid hello-ok", new GatewayError("INVALID_REQUEST", `invalid hello-ok: ${formatParamsIssues(hello.error.issues)}`));
    }
    clearTimeout(this.#handshakeTimer);
    this.#hello = hello.data;
    this.#startWatchdog(hello.data.policy.tickIntervalMs);
    this.#handlers.onHello(hello.data);
  }

  /**
   * The reference client's watchdog (spec §10.1): checks every max(tickIntervalMs, 1000) ms and
   * closes with 4000 "tick timeout" once more than 2× tickIntervalMs passed since the last tick
   * (or hello-ok). A half-open TCP connection is otherwise only noticed when a call times out.
   */
  #startWatchdog(tickIntervalMs: number): void {
    if (!this.#options.tickWatchdog) return;
    this.#lastTick = Date.now();
    this.#watchdog = setInterval(() => {
      if (Date.now() - this.#lastTick > 2 * tickIntervalMs) this.close(TICK_TIMEOUT.code, TICK_TIMEOUT.reason);
    }, Math.max(tickIntervalMs, 1_000));
  }

  #finish(info: Omit<CloseInfo, "wasOpen">): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#challengeTimer);
    clearTimeout(this.#handshakeTimer);
    clearInterval(this.#watchdog);
    const error = info.error ?? this.#refusal;
    this.#handlers.onClose({ ...info, wasOpen: this.#hello !== undefined, ...(error ? { error } : {}) });
  }
}
