// A minimal gateway for the client's unit tests: a real `ws` server on a free port that speaks
// just enough of protocol 3 (challenge, connect → hello-ok, req → res, events), with knobs to
// misbehave (no challenge, refuse, stall, no ticks) and a record of everything it saw.
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { HelloOk } from "../frames.js";

export type Frame = Record<string, unknown> & { type?: string; id?: string; method?: string; params?: unknown };

/** Answers a request: return a payload, throw `{code, message}` for an error res, or return NO_ANSWER. */
export type MethodHandler = (params: unknown, conn: FakeConnection, frame: Frame) => unknown;
export const NO_ANSWER = Symbol("no answer");

export interface FakeGatewayOptions {
  /** Send `connect.challenge` on open (default true). */
  challenge?: boolean;
  /** Accepted token; any connect with another token is refused as the edge does. */
  token?: string;
  /** `policy.tickIntervalMs` in hello-ok (default 60000, i.e. the watchdog stays quiet). */
  tickIntervalMs?: number;
  /** Ignore `connect` entirely (a gateway that never completes the handshake). */
  silent?: boolean;
  methods?: Record<string, MethodHandler>;
}

export class FakeConnection {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly nonce = `nonce-${Math.random().toString(36).slice(2)}`;
  #seq = 0;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  get connectFrame(): Frame | undefined {
    return this.frames.find((f) => f.method === "connect");
  }

  send(frame: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** A broadcast event with the next seq (or the given one). */
  event(event: string, payload: unknown, seq: number = ++this.#seq): void {
    this.#seq = seq;
    this.send({ type: "event", event, payload, seq });
  }
}

export class FakeGateway {
  readonly connections: FakeConnection[] = [];
  readonly options: FakeGatewayOptions;
  /** Refuse the next N upgrades with HTTP 503 (a gateway that is down). */
  refuseUpgrades = 0;
  readonly #wss: WebSocketServer;
  readonly #waiters: ((conn: FakeConnection) => void)[] = [];

  private constructor(wss: WebSocketServer, options: FakeGatewayOptions) {
    this.#wss = wss;
    this.options = options;
    wss.on("connection", (ws) => this.#onConnection(ws));
  }

  static start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    return new Promise((resolve, reject) => {
      let gateway: FakeGateway | undefined = undefined;
      const wss = new WebSocketServer({
        host: "127.0.0.1",
        port: 0,
        verifyClient: (_info, done) => {
          if (gateway && gateway.refuseUpgrades > 0) {
            gateway.refuseUpgrades--;
            done(false, 503, "down");
          } else {
            done(true);
          }
        },
      });
      gateway = new FakeGateway(wss, options);
      wss.once("listening", () => resolve(gateway));
      wss.once("error", reject);
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}`;
  }

  /** The n-th connection (0-based), already made or still to come. */
  connection(n: number): Promise<FakeConnection> {
    const existing = this.connections[n];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const check = () => {
        const conn = this.connections[n];
        if (conn) resolve(conn);
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  async stop(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  hello(conn: FakeConnection): HelloOk {
    return {
      type: "hello-ok",
      protocol: 3,
      server: { version: "test", connId: `conn-${this.connections.indexOf(conn) + 1}` },
      features: { methods: ["health", ...Object.keys(this.options.methods ?? {})], events: ["tick"] },
      snapshot: { presence: [], health: {}, stateVersion: { presence: 1, health: 1 }, uptimeMs: 0 },
      policy: { maxPayload: 524_288, maxBufferedBytes: 1_572_864, tickIntervalMs: this.options.tickIntervalMs ?? 60_000 },
    };
  }

  #onConnection(ws: WebSocket): void {
    const conn = new FakeConnection(ws);
    this.connections.push(conn);
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter(conn);
    if (this.options.challenge ?? true) conn.send({ type: "event", event: "connect.challenge", payload: { nonce: conn.nonce, ts: Date.now() } });
    ws.on("message", (data) => {
      const frame = JSON.parse((data as Buffer).toString("utf8")) as Frame;
      conn.frames.push(frame);
      void this.#onRequest(conn, frame);
    });
  }

  async #onRequest(conn: FakeConnection, frame: Frame): Promise<void> {
    if (frame.method === "connect") {
      if (this.options.silent) return;
      const auth = (frame.params as { auth?: { token?: string } }).auth;
      if (this.options.token !== undefined && auth?.token !== this.options.token) {
        conn.send({ type: "res", id: frame.id, ok: false, error: { code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch" } });
        conn.ws.close(1008, "unauthorized: gateway token mismatch");
        return;
      }
      conn.send({ type: "res", id: frame.id, ok: true, payload: this.hello(conn) });
      return;
    }
    const handler = this.options.methods?.[frame.method ?? ""];
    if (!handler) {
      conn.send({ type: "res", id: frame.id, ok: false, error: { code: "INVALID_REQUEST", message: `unknown method: ${frame.method}` } });
      return;
    }
    try {
      const payload = await handler(frame.params, conn, frame);
      if (payload !== NO_ANSWER) conn.send({ type: "res", id: frame.id, ok: true, payload });
    } catch (err) {
      conn.send({ type: "res", id: frame.id, ok: false, error: err });
    }
  }
}
