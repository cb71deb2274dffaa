import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { GatewayError, type HelloOk, type PresenceEntry, type StateVersion } from "@clawdbot/protocol";
import type { CallerContext } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import { routeCall } from "./calls.js";
import type { EdgeContext } from "./edge-context.js";
import { eventFrame } from "./frames.js";
import { type Admitted, truncateCloseReason } from "./handshake.js";
import { buildHelloOk } from "./hello.js";
import { JsonRpcDialect } from "./jsonrpc-dialect.js";
import { NativeDialect } from "./native-dialect.js";
import { connectionPresence } from "./presence-entry.js";

type State = "handshake" | "open" | "closed";

export type Outcome = { ok: true; result: unknown } | { ok: false; error: GatewayError };

/** How one connection reads frames and writes answers and events: native protocol 3 or JSON-RPC 2.0. */
export interface Dialect {
  readonly name: "native" | "jsonrpc";
  onText(text: string): void;
  /** The event as this dialect writes it; `payloadJson` is already JSON text. */
  eventText(event: string, payloadJson: string | undefined, seq?: number, stateVersion?: StateVersion): string;
}

export interface ConnectionOptions {
  /** The WebSocket subprotocol chose JSON-RPC: no challenge, JSON-RPC from the first frame. */
  jsonRpc: boolean;
  /** The client showed a valid shared token at upgrade (`Authorization: Bearer`, `?token=`). */
  upgradeAuthenticated: boolean;
  onOpen: (conn: Connection) => void;
  onClose: (conn: Connection) => void;
}

/** One client socket: its handshake and its calls, in whichever dialect it speaks. */
export class Connection {
  readonly connId = randomUUID();
  readonly nonce = randomUUID();
  readonly remoteAddress: string;
  readonly log: Logger;
  readonly edge: EdgeContext;
  readonly upgradeAuthenticated: boolean;
  #state: State = "handshake";
  #dialect: Dialect;
  readonly #ws: WebSocket;
  readonly #options: ConnectionOptions;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #caller: Omit<CallerContext, "requestId"> | undefined;
  #role = "operator";
  #scopes: readonly string[] = [];
  #protocol = 0;
  #presence: { key: string; entry: PresenceEntry } | undefined;

  constructor(ws: WebSocket, request: IncomingMessage, edge: EdgeContext, options: ConnectionOptions) {
    this.#ws = ws;
    this.edge = edge;
    this.#options = options;
    this.upgradeAuthenticated = options.upgradeAuthenticated;
    this.remoteAddress = request.socket.remoteAddress ?? "";
    this.log = edge.log.child({ connId: this.connId });
    ws.on("message", (data) => this.#onMessage(data));
    ws.on("close", (code, reason) => this.#closed(code, reason.toString()));
    // ws reports protocol violations (oversized frames: 1009, bad UTF-8: 1007) as errors and
    // closes the socket itself; an unhandled 'error' would crash the process.
    ws.on("error", (err) => this.log.debug({ err }, "socket error"));
    this.#dialect = options.jsonRpc ? new JsonRpcDialect(this) : new NativeDialect(this);
    if (!options.jsonRpc) this.sendRaw(eventFrame("connect.challenge", { nonce: this.nonce, ts: Date.now() }));
    this.#handshakeTimer = setTimeout(() => {
      if (this.#state === "handshake") {
        this.log.debug("handshake timed out");
        this.#ws.close(1000);
      }
    }, edge.config.handshakeTimeoutMs);
    if (options.jsonRpc && options.upgradeAuthenticated) (this.#dialect as JsonRpcDialect).admitImplicitly();
  }

  get state(): State {
    return this.#state;
  }
  get dialect(): Dialect {
    return this.#dialect;
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

  /** A native connection whose first frame was JSON-RPC speaks JSON-RPC for good (ARCHITECTURE §3a). */
  switchToJsonRpc(firstText: string): void {
    const dialect = new JsonRpcDialect(this);
    this.#dialect = dialect;
    if (this.upgradeAuthenticated) dialect.admitImplicitly();
    dialect.onText(firstText);
  }

  /** The handshake succeeded: the connection is open and this is its hello-ok. */
  admit(admitted: Admitted): HelloOk {
    clearTimeout(this.#handshakeTimer);
    const { client } = admitted.params;
    this.#role = admitted.role;
    this.#scopes = admitted.scopes;
    this.#protocol = admitted.protocol;
    this.#caller = {
      connId: this.connId,
      edgeId: this.edge.config.edgeId,
      clientId: client.id,
      clientMode: client.mode,
      role: admitted.role,
      scopes: admitted.scopes,
    };
    this.#presence = connectionPresence(admitted, this.connId, this.remoteAddress);
    this.#state = "open";
    this.#options.onOpen(this);
    this.log.info({ client: client.id, mode: client.mode, version: client.version, role: this.#role, dialect: this.#dialect.name, remote: this.remoteAddress }, "client connected");
    return buildHelloOk(this.edge, this.connId);
  }

  /** The handshake failed: close with the original's code and reason. */
  refuse(code: number, reason?: string): void {
    clearTimeout(this.#handshakeTimer);
    this.#state = "closed";
    this.log.info({ code, reason, remote: this.remoteAddress }, "handshake refused");
    this.close(code, reason);
  }

  /**
   * Runs one call of an open connection: scope check, then the edge's own answer or a
   * forward over NATS. `done` runs exactly once.
   */
  dispatch(method: string, params: unknown, done: (outcome: Outcome) => void, onAccepted?: (payload: unknown) => void): void {
    const route = routeCall(this.edge, this.#role, this.#scopes, method);
    if (route.kind === "deny") return done({ ok: false, error: route.error });
    if (route.kind === "local") return this.#answerLocally(method, params, done);
    const requestId = this.edge.nextRequestId();
    this.edge.rpc.send(method, params ?? {}, { requestId, ...this.#caller }, done, undefined, onAccepted);
  }

  /** Writes a pre-serialised frame; false when the socket is no longer open. */
  sendRaw(text: string): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#ws.send(text);
    return true;
  }

  close(code: number, reason?: string): void {
    this.#ws.close(code, reason === undefined ? undefined : truncateCloseReason(reason));
  }

  #answerLocally(method: string, params: unknown, done: (outcome: Outcome) => void): void {
    const handler = this.edge.localMethods.get(method)!;
    const args = params !== null && typeof params === "object" && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
    Promise.resolve()
      .then(() => handler(args, this))
      .then(
        (result) => done({ ok: true, result }),
        (err: unknown) => {
          if (!(err instanceof GatewayError)) this.log.error({ err, method }, "edge-local handler failed");
          done({ ok: false, error: err instanceof GatewayError ? err : new GatewayError("UNAVAILABLE", err instanceof Error ? err.message : String(err), { kind: "internal" }) });
        },
      );
  }

  #onMessage(data: RawData): void {
    if (this.#state === "closed") return;
    // Binary frames are read as UTF-8 text, as the original does (spec §1).
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as Buffer).toString("utf8");
    this.#dialect.onText(text);
  }

  #closed(code: number, reason: string): void {
    clearTimeout(this.#handshakeTimer);
    const wasOpen = this.#state === "open";
    this.#state = "closed";
    if (wasOpen) {
      this.log.info({ code, reason }, "client disconnected");
      this.#options.onClose(this);
    }
  }
}
