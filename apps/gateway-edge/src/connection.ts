import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import {
  GatewayError,
  type HelloOk,
  type HelloOkV4,
  MAX_PENDING_HANDSHAKE_FRAMES_V4,
  POLICY_V4,
  PREAUTH_MAX_PAYLOAD_BYTES,
  PROTOCOL_V4,
  type PresenceEntry,
  type StateVersion,
} from "@clawdbot/protocol";
import { type BoundCaller, resultFromJson } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import { type Route, callNeedsNats, natsUnreachable, routeCall } from "./calls.js";
import type { EdgeContext } from "./edge-context.js";
import { eventFrame } from "./frames.js";
import type { ResolvedAuthSettings } from "./auth-settings.js";
import type { ClientAddress } from "./client-address.js";
import { type AdmissionContext, type Admitted, type Refused, truncateCloseReason } from "./handshake.js";
import { EDGE_CAPABILITIES, buildHelloOk } from "./hello.js";
import { JsonPayload } from "./json-payload.js";
import { setReceiveLimit } from "./receive-limit.js";
import { JsonRpcDialect } from "./jsonrpc-dialect.js";
import { NativeDialect } from "./native-dialect.js";
import { connectionPresence } from "./presence-entry.js";

/** `admitting`: a `connect` is being checked (it reads the device store); frames wait meanwhile. */
type State = "handshake" | "admitting" | "open" | "closed";

// Frames a client pipelines behind its `connect` wait for the answer; beyond this they are dropped.
const MAX_FRAMES_WHILE_ADMITTING = 64;

/** The device token a connection authenticated with, kept as a digest to notice revocation. */
export interface DeviceSession {
  deviceId: string;
  role: string;
  tokenDigest: string;
}

export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A call's answer. A forwarded result also carries `resultJson`, the service's own text of it. */
export type Outcome = { ok: true; result: unknown; resultJson?: string } | { ok: false; error: GatewayError };

/** How one connection reads frames and writes answers and events: the native protocol (3 or 4) or JSON-RPC 2.0. */
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
  /** Where the client comes from, behind any trusted proxy (spec §4.2). */
  client: ClientAddress;
  /** The auth settings current when the socket was upgraded. */
  settings: ResolvedAuthSettings;
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
  #caller: BoundCaller | undefined;
  #role = "operator";
  #scopes: readonly string[] = [];
  #protocol = 0;
  #admittingProtocol: number | undefined;
  #eventSeq = 0;
  #presence: { key: string; entry: PresenceEntry } | undefined;
  #waitingFrames: RawData[] = [];
  #deviceSession: DeviceSession | undefined;
  /** Forwarded calls not yet answered: what the per-connection in-flight limit counts. */
  #forwarding = 0;
  /** The answer function of every call not yet answered (local ones too), to fail them at a stop. */
  readonly #unanswered = new Set<(outcome: Outcome) => void>();

  constructor(ws: WebSocket, request: IncomingMessage, edge: EdgeContext, options: ConnectionOptions) {
    this.#ws = ws;
    this.edge = edge;
    this.#options = options;
    this.upgradeAuthenticated = options.upgradeAuthenticated;
    this.remoteAddress = options.client.ip || (request.socket.remoteAddress ?? "");
    this.log = edge.log.child({ connId: this.connId });
    ws.on("message", (data) => this.#onMessage(data));
    ws.on("close", (code, reason) => this.#closed(code, reason.toString()));
    // ws reports protocol violations (oversized frames: 1009, bad UTF-8: 1007) as errors and
    // closes the socket itself; an unhandled 'error' would crash the process.
    ws.on("error", (err) => this.log.debug({ err }, "socket error"));
    // Until hello-ok a frame may be 64 KiB; admit() raises the limit to the version's.
    setReceiveLimit(ws, PREAUTH_MAX_PAYLOAD_BYTES);
    this.#dialect = options.jsonRpc ? new JsonRpcDialect(this) : new NativeDialect(this);
    // `capabilities` is protocol 4's; the key is harmless to v3 clients (protocol-v4-delta §3).
    if (!options.jsonRpc) this.sendRaw(eventFrame("connect.challenge", { nonce: this.nonce, ts: Date.now(), capabilities: [...EDGE_CAPABILITIES] }));
    this.#handshakeTimer = setTimeout(() => {
      if (this.#state === "handshake" || this.#state === "admitting") {
        this.log.debug("handshake timed out");
        this.edge.metrics.handshakeRefused("timeout", 1000);
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
  /** The negotiated protocol version (0 before hello-ok); it decides every frame sent here. */
  get protocol(): number {
    return this.#protocol;
  }
  /** Queued bytes beyond which this client is slow: 1.5 MiB for v3, 50 MiB for v4 (protocol-v4-delta §2). */
  get maxBufferedBytes(): number {
    return this.#protocol === PROTOCOL_V4 ? POLICY_V4.maxBufferedBytes : this.edge.config.maxBufferedBytes;
  }
  /** v4 numbers events per client (protocol-v4-delta §2), counting ones a slow client misses. */
  nextEventSeq(): number {
    return ++this.#eventSeq;
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
  /** Set when the connection authenticated with a device token. */
  get deviceSession(): DeviceSession | undefined {
    return this.#deviceSession;
  }

  /** What the handshake of this connection checks against. */
  get admission(): AdmissionContext {
    const { client, settings } = this.#options;
    return { nonce: this.nonce, client, settings, services: this.edge.admission, log: this.log };
  }

  /**
   * Runs a `connect` check that reads the device store: frames that arrive meanwhile wait, and
   * are read once the connection is open (or dropped if it is refused).
   */
  async whileAdmitting(admission: Promise<Admitted | Refused>, offeredProtocol?: number | null): Promise<Admitted | Refused> {
    if (this.#state === "handshake") this.#state = "admitting";
    this.#admittingProtocol = offeredProtocol ?? undefined;
    let result: Admitted | Refused;
    try {
      result = await admission;
    } catch (err) {
      // admitConnect answers its own failures; this is the last line of defence.
      this.log.error({ err }, "connect check failed");
      result = { ok: false, close: { code: 1011, reason: "connect check failed" } };
    }
    if (this.#state === "admitting") this.#state = "handshake";
    return result;
  }

  /** A native connection whose first frame was JSON-RPC speaks JSON-RPC for good (ARCHITECTURE §3a). */
  switchToJsonRpc(firstText: string): void {
    const dialect = new JsonRpcDialect(this);
    this.#dialect = dialect;
    if (this.upgradeAuthenticated) dialect.admitImplicitly();
    dialect.onText(firstText);
  }

  /** The handshake succeeded: the connection is open and this is its hello-ok. */
  admit(admitted: Admitted): HelloOk | HelloOkV4 {
    clearTimeout(this.#handshakeTimer);
    const hello = buildHelloOk(this.edge, this.connId, {
      protocol: admitted.protocol,
      role: admitted.role,
      scopes: admitted.scopes,
      authMethod: admitted.authMethod,
      deviceToken: admitted.device?.issued,
    });
    // The client went away while its connect was checked: nothing to open.
    if (this.#state === "closed") return hello;
    const { client } = admitted.params;
    this.#role = admitted.role;
    this.#scopes = admitted.scopes;
    this.#protocol = admitted.protocol;
    setReceiveLimit(this.#ws, admitted.protocol === PROTOCOL_V4 ? POLICY_V4.maxPayload : this.edge.config.maxPayload);
    this.#caller = this.edge.rpc.bind(
      { connId: this.connId, edgeId: this.edge.config.edgeId, clientId: client.id, clientMode: client.mode, role: admitted.role, scopes: admitted.scopes },
      this.edge.config.requestTimeoutMs,
    );
    this.#presence = connectionPresence(admitted, this.connId, this.remoteAddress);
    const usedToken = admitted.device?.usedToken;
    if (admitted.device && usedToken) this.#deviceSession = { deviceId: admitted.device.id, role: admitted.role, tokenDigest: tokenDigest(usedToken) };
    this.#state = "open";
    this.#options.onOpen(this);
    this.edge.metrics.handshakeAccepted(this.#dialect.name);
    this.log.info(
      { client: client.id, mode: client.mode, version: client.version, role: this.#role, protocol: this.#protocol, dialect: this.#dialect.name, remote: this.remoteAddress, auth: admitted.authMethod, deviceId: admitted.device?.id },
      "client connected",
    );
    // Frames that came in behind the connect are read after the dialect has sent hello-ok.
    if (this.#waitingFrames.length > 0) queueMicrotask(() => this.#readWaitingFrames());
    return hello;
  }

  /** The handshake failed: close with the original's code and reason. */
  refuse(code: number, reason?: string): void {
    clearTimeout(this.#handshakeTimer);
    this.#state = "closed";
    this.log.info({ code, reason, remote: this.remoteAddress }, "handshake refused");
    this.edge.metrics.handshakeRefused("connect", code);
    this.close(code, reason);
  }

  /**
   * Runs one call of an open connection: scope check, then the edge's own answer or a
   * forward over NATS. `done` runs exactly once: with the answer, or with a refusal at once
   * (NATS down, an in-flight limit), or with the error `failUnanswered` gives at a stop.
   */
  dispatch(method: string, params: unknown, done: (outcome: Outcome) => void, onAccepted?: (payload: unknown) => void): void {
    const route = routeCall(this.edge, this.#role, this.#scopes, method, this.#protocol, params);
    const started = performance.now();
    const forward = route.kind === "forward";
    if (route.kind === "deny") return this.#answered(method, route.kind, undefined, started, { ok: false, error: route.error }, done);
    if (!this.edge.natsUp() && callNeedsNats(route, method, params)) {
      // Refusals are counted but not timed (route "deny"), so they do not skew the latency histograms.
      return this.#answered(method, "deny", undefined, started, { ok: false, error: natsUnreachable(method) }, done);
    }
    if (forward) {
      const refusal = this.edge.limits.refuseForward(this.#forwarding);
      if (refusal) return this.#answered(method, "deny", undefined, started, { ok: false, error: refusal }, done);
    }
    // The request id is the call's JSON-RPC id on the bus: the service's handler logs carry it too.
    const requestId = forward ? this.edge.nextRequestId() : undefined;
    const { limits } = this.edge;
    limits.callStarted(forward);
    if (forward) this.#forwarding++;
    let finished = false;
    const answer = (outcome: Outcome): void => {
      // A call failed at a stop may still get its service's answer later: the first one counts.
      if (finished) return;
      finished = true;
      this.#unanswered.delete(answer);
      if (forward) this.#forwarding--;
      limits.callFinished(forward);
      this.#answered(method, route.kind, requestId, started, outcome, done);
    };
    this.#unanswered.add(answer);
    if (!forward) return this.#answerLocally(method, params, answer);
    const accepted = onAccepted && ((payload: unknown) => {
      if (!finished) onAccepted(payload);
    });
    this.#caller!.send(requestId!, method, params ?? {}, answer, accepted);
  }

  /** Calls of this connection not yet answered. */
  get callsInFlight(): number {
    return this.#unanswered.size;
  }

  /** Answers every call of this connection still in flight with `error` (a stop's deadline passed). */
  failUnanswered(error: GatewayError): number {
    const unanswered = [...this.#unanswered];
    for (const answer of unanswered) answer({ ok: false, error });
    return unanswered.length;
  }

  #answered(method: string, route: Route["kind"], requestId: string | undefined, started: number, outcome: Outcome, done: (outcome: Outcome) => void): void {
    const ms = performance.now() - started;
    this.edge.metrics.callAnswered(method, route, outcome, ms);
    if (this.log.isLevelEnabled("debug")) {
      this.log.debug({ requestId, method, route, ms: Math.round(ms * 10) / 10, outcome: outcome.ok ? "ok" : outcome.error.code }, "call answered");
    }
    done(outcome);
  }

  /** Writes a pre-serialised frame; false when the socket is no longer open. */
  sendRaw(text: string): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.edge.writes.hold(this.#ws);
    this.#ws.send(text);
    return true;
  }

  /**
   * Resolves once the peer's frames sent before it read ours so far are in: a ping goes out
   * behind everything sent, and the pong comes back behind whatever the peer sent before it.
   * Resolves anyway after `timeoutMs` or when the socket closes.
   */
  barrier(timeoutMs: number): Promise<void> {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        ws.off("pong", done);
        ws.off("close", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      ws.on("pong", done);
      ws.on("close", done);
      ws.ping();
    });
  }

  close(code: number, reason?: string): void {
    this.#ws.close(code, reason === undefined ? undefined : truncateCloseReason(reason));
  }

  #answerLocally(method: string, params: unknown, done: (outcome: Outcome) => void): void {
    const handler = this.edge.localMethods.get(method)!;
    const args = params !== null && typeof params === "object" && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
    const fail = (err: unknown): void => {
      if (!(err instanceof GatewayError)) this.log.error({ err, method }, "edge-local handler failed");
      done({ ok: false, error: err instanceof GatewayError ? err : new GatewayError("UNAVAILABLE", err instanceof Error ? err.message : String(err), { kind: "internal" }) });
    };
    const succeed = (result: unknown): void => done(result instanceof JsonPayload ? resultFromJson(result.json) : { ok: true, result });
    let result: unknown;
    try {
      result = handler(args, this);
    } catch (err) {
      return fail(err);
    }
    // The polled answers (health, status, presence) come from cached views: answered in this
    // turn, without a promise chain per call.
    if (result instanceof Promise) result.then(succeed, fail);
    else succeed(result);
  }

  #readWaitingFrames(): void {
    const frames = this.#waitingFrames;
    this.#waitingFrames = [];
    for (const data of frames) this.#onMessage(data);
  }

  #onMessage(data: RawData): void {
    if (this.#state === "closed") return;
    if (!this.#withinSizeLimit(data)) return;
    if (this.#state === "admitting") {
      if (this.#admittingProtocol === PROTOCOL_V4 && this.#waitingFrames.length >= MAX_PENDING_HANDSHAKE_FRAMES_V4) {
        this.#state = "closed";
        this.#waitingFrames = [];
        this.close(1008, "too many pending handshake frames");
        return;
      }
      if (this.#waitingFrames.length < MAX_FRAMES_WHILE_ADMITTING) this.#waitingFrames.push(data);
      return;
    }
    // Binary frames are read as UTF-8 text, as the original does (spec §1).
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as Buffer).toString("utf8");
    this.#dialect.onText(text);
  }

  /**
   * The server takes frames up to protocol 4's 25 MiB; smaller limits apply per state and version
   * (protocol-v4-delta §2): 64 KiB before hello-ok, 512 KiB for a v3 connection (as `ws` did).
   * `ws` normally refuses such frames already (receive-limit.ts); this holds if it cannot.
   */
  #withinSizeLimit(data: RawData): boolean {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (this.#state !== "open") {
      if (bytes <= PREAUTH_MAX_PAYLOAD_BYTES) return true;
      this.#state = "closed";
      this.#waitingFrames = [];
      this.close(1009, "preauth payload too large");
      return false;
    }
    if (this.#protocol === PROTOCOL_V4 || bytes <= this.edge.config.maxPayload) return true;
    this.close(1009);
    return false;
  }

  #closed(code: number, reason: string): void {
    clearTimeout(this.#handshakeTimer);
    const wasOpen = this.#state === "open";
    this.#state = "closed";
    this.#waitingFrames = [];
    if (wasOpen) {
      this.log.info({ code, reason }, "client disconnected");
      this.#options.onClose(this);
    }
  }
}
