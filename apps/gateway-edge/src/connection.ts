import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type ErrorShape, type PresenceEntry, GatewayError } from "@clawdbot/protocol";
import type { CallerContext } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import { readRequestFrame, routeCall } from "./calls.js";
import type { EdgeContext } from "./edge-context.js";
import { errorFrame, eventFrame, okFrame } from "./frames.js";
import { admitFirstFrame, truncateCloseReason } from "./handshake.js";
import { buildHelloOk } from "./hello.js";
import { connectionPresence } from "./presence-entry.js";

type State = "handshake" | "open" | "closed";

/** One client socket: the handshake, then its calls. */
export class Connection {
  readonly connId = randomUUID();
  readonly remoteAddress: string;
  readonly log: Logger;
  #state: State = "handshake";
  readonly #nonce = randomUUID();
  readonly #ws: WebSocket;
  readonly #edge: EdgeContext;
  readonly #onOpen: (conn: Connection) => void;
  readonly #onClose: (conn: Connection) => void;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #caller: Omit<CallerContext, "requestId"> | undefined;
  #role = "operator";
  #scopes: readonly string[] = [];
  #protocol = 0;
  #presence: { key: string; entry: PresenceEntry } | undefined;

  constructor(
    ws: WebSocket,
    request: IncomingMessage,
    edge: EdgeContext,
    hooks: { onOpen: (conn: Connection) => void; onClose: (conn: Connection) => void },
  ) {
    this.#ws = ws;
    this.#edge = edge;
    this.#onOpen = hooks.onOpen;
    this.#onClose = hooks.onClose;
    this.remoteAddress = request.socket.remoteAddress ?? "";
    this.log = edge.log.child({ connId: this.connId });
    ws.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on("close", (code, reason) => this.#closed(code, reason.toString()));
    // ws reports protocol violations (oversized frames: 1009, bad UTF-8: 1007) as errors and
    // closes the socket itself; an unhandled 'error' would crash the process.
    ws.on("error", (err) => this.log.debug({ err }, "socket error"));
    this.#send(eventFrame("connect.challenge", { nonce: this.#nonce, ts: Date.now() }));
    this.#handshakeTimer = setTimeout(() => {
      if (this.#state === "handshake") {
        this.log.debug("handshake timed out");
        this.#ws.close(1000);
      }
    }, edge.config.handshakeTimeoutMs);
  }

  get state(): State {
    return this.#state;
  }
  get protocol(): number {
    return this.#protocol;
  }
  get scopes(): readonly string[] {
    return this.#scopes;
  }
  get role(): string {
    return this.#role;
  }
  /** This connection's presence entry; none for CLI clients (spec §3.4). */
  get presence(): { key: string; entry: PresenceEntry } | undefined {
    return this.#presence;
  }
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** Writes a pre-serialised frame; false when the socket is no longer open. */
  sendRaw(frame: string): boolean {
    return this.#send(frame);
  }

  close(code: number, reason?: string): void {
    this.#ws.close(code, reason === undefined ? undefined : truncateCloseReason(reason));
  }

  #send(frame: string): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#ws.send(frame);
    return true;
  }

  #onMessage(data: RawData, _isBinary: boolean): void {
    // Binary frames are read as UTF-8 text, as the original does (spec §1).
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as Buffer).toString("utf8");
    if (this.#state === "handshake") this.#handshake(text);
    else if (this.#state === "open") this.#onFrame(text);
  }

  #handshake(text: string): void {
    clearTimeout(this.#handshakeTimer);
    const { config } = this.#edge;
    const result = admitFirstFrame(text, config);
    if (!result.ok) {
      this.#state = "closed";
      if (result.response) this.#send(errorFrame(result.response.id, result.response.error));
      this.log.info({ code: result.close.code, reason: result.close.reason, remote: this.remoteAddress }, "handshake refused");
      this.#ws.close(result.close.code, result.close.reason === undefined ? undefined : truncateCloseReason(result.close.reason));
      return;
    }
    const { client } = result.params;
    this.#role = result.role;
    this.#scopes = result.scopes;
    this.#protocol = result.protocol;
    this.#caller = {
      connId: this.connId,
      edgeId: config.edgeId,
      clientId: client.id,
      clientMode: client.mode,
      role: result.role,
      scopes: result.scopes,
    };
    this.#presence = connectionPresence(result, this.connId, this.remoteAddress);
    this.#state = "open";
    this.#onOpen(this);
    this.#send(okFrame(result.requestId, buildHelloOk(this.#edge, this.connId)));
    this.log.info({ client: client.id, mode: client.mode, version: client.version, role: this.#role, remote: this.remoteAddress }, "client connected");
  }

  #onFrame(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The original logs and answers nothing (spec §5.1); the connection stays usable.
      this.log.debug({ bytes: text.length }, "ignoring unparsable frame");
      return;
    }
    const request = readRequestFrame(value);
    if ("error" in request) {
      this.#send(errorFrame(request.id, request.error));
      return;
    }
    const route = routeCall(this.#edge, this.#role, this.#scopes, request.method);
    if (route.kind === "deny") {
      this.#send(errorFrame(request.id, route.error));
      return;
    }
    if (route.kind === "local") this.#answerLocally(request.id, request.method, request.params);
    else this.#forward(request.id, request.method, request.params);
  }

  #answerLocally(id: string, method: string, params: unknown): void {
    const handler = this.#edge.localMethods.get(method)!;
    const args = params !== null && typeof params === "object" && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
    Promise.resolve()
      .then(() => handler(args, this))
      .then(
        (result) => this.#send(okFrame(id, result)),
        (err: unknown) => {
          if (!(err instanceof GatewayError)) this.log.error({ err, method }, "edge-local handler failed");
          const error = err instanceof GatewayError ? err : new GatewayError("UNAVAILABLE", err instanceof Error ? err.message : String(err));
          this.#send(errorFrame(id, error.toShape()));
        },
      );
  }

  #forward(id: string, method: string, params: unknown): void {
    const requestId = this.#edge.nextRequestId();
    this.#edge.rpc.send(method, params ?? {}, { requestId, ...this.#caller }, (outcome) => {
      if (outcome.ok) {
        this.#send(okFrame(id, outcome.result));
      } else {
        const error: ErrorShape = outcome.error.toShape();
        this.#send(errorFrame(id, error));
        if (error.code === "UNAVAILABLE") this.log.debug({ requestId, method, error: error.message }, "call unavailable");
      }
    });
  }

  #closed(code: number, reason: string): void {
    clearTimeout(this.#handshakeTimer);
    const wasOpen = this.#state === "open";
    this.#state = "closed";
    if (wasOpen) {
      this.log.info({ code, reason }, "client disconnected");
      this.#onClose(this);
    }
  }
}
