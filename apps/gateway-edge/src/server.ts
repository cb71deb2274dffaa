import { POLICY_V4 } from "@clawdbot/protocol";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { Duplex } from "node:stream";
import { acceptsSharedSecret } from "./auth.js";
import { resolveClientAddress } from "./client-address.js";
import { Connection } from "./connection.js";
import type { EdgeContext } from "./edge-context.js";
import { writeMetrics } from "@clawdbot/metrics";
import { TOO_MANY_CONNECTIONS, drainDeadlineError } from "./limits.js";
import { originAllowed } from "./origin.js";

export interface Readiness {
  nats: boolean;
  registry: boolean;
}

export interface EdgeServerHooks {
  readiness: () => Readiness;
  /** A client finished its handshake. */
  onOpen?: (conn: Connection) => void;
  /** A handshaken client went away. */
  onClose?: (conn: Connection) => void;
}

/**
 * The edge's one port: WebSocket upgrades on any path (as the original), plus `/healthz`
 * (the process is alive) and `/readyz` (NATS connected and the method registry loaded).
 */
export class EdgeServer {
  /** Handshaken clients by connection id. */
  readonly clients: Map<string, Connection>;
  readonly #edge: EdgeContext;
  readonly #hooks: EdgeServerHooks;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  #accepting = false;
  #portClosed: Promise<void> = Promise.resolve();

  constructor(edge: EdgeContext, clients: Map<string, Connection>, hooks: EdgeServerHooks) {
    this.#edge = edge;
    this.clients = clients;
    this.#hooks = hooks;
    this.#wss = new WebSocketServer({
      noServer: true,
      // Protocol 4's 25 MiB; each connection applies its own smaller limits (connection.ts).
      maxPayload: Math.max(edge.config.maxPayload, POLICY_V4.maxPayload),
      perMessageDeflate: false,
      handleProtocols: (offered) => (offered.has(JSONRPC_SUBPROTOCOL) ? JSONRPC_SUBPROTOCOL : false),
    });
    this.#http = createServer((req, res) => this.#onHttp(req, res));
    this.#http.on("upgrade", (req: IncomingMessage, socket, head) => {
      if (!this.#accepting) {
        socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
        this.#edge.metrics.handshakeRefused("upgrade", 503);
        return;
      }
      socket.on("error", () => socket.destroy());
      // Read once per connection, so changed settings apply to the next connection.
      const settings = this.#edge.authSettings.current();
      const client = resolveClientAddress(req, settings);
      if (!originAllowed(req, settings, client)) {
        this.#edge.log.warn({ origin: req.headers.origin, remote: client.ip }, "upgrade refused: origin not allowed");
        this.#edge.metrics.handshakeRefused("upgrade", 403);
        return refuseUpgrade(socket, 403, "Forbidden", "origin not allowed\n");
      }
      const token = upgradeToken(req);
      if (token !== undefined) {
        const { guard } = this.#edge.admission;
        const retryAfterMs = guard.retryAfterMs(client.ip);
        if (retryAfterMs > 0) {
          this.#edge.metrics.handshakeRefused("upgrade", 429);
          return refuseUpgrade(socket, 429, "Too Many Requests", "unauthorized: too many failed attempts (retry later)\n", { "Retry-After": String(Math.ceil(retryAfterMs / 1000)) });
        }
        if (!acceptsSharedSecret(settings, token)) {
          guard.recordFailure(client.ip);
          this.#edge.log.warn({ remote: client.ip }, "upgrade refused: gateway token mismatch");
          this.#edge.metrics.handshakeRefused("upgrade", 401);
          return refuseUpgrade(socket, 401, "Unauthorized", "unauthorized: gateway token mismatch\n");
        }
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        // Counted once the socket is a WebSocket (ws calls back synchronously), so an upgrade
        // that fails on the way takes no slot. Refused as a close, not an HTTP 429: browsers
        // and the original's clients see a close code and reason, never an upgrade's status.
        const { addressConnections } = this.#edge;
        if (!addressConnections.tryOpen(client.ip)) {
          this.#edge.log.warn({ remote: client.ip, limit: this.#edge.config.limits.maxConnectionsPerIp }, "connection refused: too many connections from this address");
          ws.on("error", () => undefined);
          ws.close(TOO_MANY_CONNECTIONS.code, TOO_MANY_CONNECTIONS.reason);
          return;
        }
        ws.once("close", () => addressConnections.closed(client.ip));
        const conn = new Connection(ws, req, this.#edge, {
          jsonRpc: ws.protocol === JSONRPC_SUBPROTOCOL,
          upgradeAuthenticated: token !== undefined,
          client,
          settings,
          onOpen: (c) => {
            this.clients.set(c.connId, c);
            this.#hooks.onOpen?.(c);
          },
          onClose: (c) => {
            this.clients.delete(c.connId);
            this.#hooks.onClose?.(c);
          },
        });
        ws.once("close", () => this.clients.delete(conn.connId));
      });
    });
  }

  /** Listens on `port`/`bind`; also after `stopAccepting()`, to restart the listener. */
  async listen(address: { port: number; bind: string }): Promise<AddressInfo> {
    await this.#portClosed;
    await new Promise<void>((resolve, reject) => {
      this.#http.once("error", reject);
      this.#http.listen(address.port, address.bind, () => {
        this.#http.off("error", reject);
        resolve();
      });
    });
    this.#accepting = true;
    return this.#http.address() as AddressInfo;
  }

  /** Stops taking new connections and closes the port; existing ones stay until closed. */
  stopAccepting(): void {
    this.#accepting = false;
    if (!this.#http.listening) return;
    // Resolves once the port is closed and every connection on it has gone.
    this.#portClosed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  /** Closes every client socket with the given code, and resolves when all are gone. */
  async closeClients(code: number, reason: string): Promise<void> {
    const closing = [...this.#wss.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once("close", () => resolve());
          ws.close(code, reason);
          // A peer that never answers the close handshake is cut off.
          setTimeout(() => ws.terminate(), 2_000).unref();
        }),
    );
    await Promise.all(closing);
    // Keep-alive HTTP requests (health probes) would hold the closed port's close back.
    this.#http.closeAllConnections();
  }

  /**
   * The calls part of a graceful stop, after `shutdown` went out: each handshaken socket is
   * closed with `code` as soon as it has no call in flight, counting the calls its client sent
   * before it read `shutdown` (calls that arrive meanwhile are served as usual). So a client that
   * stops calling on `shutdown` loses nothing, and one that goes on is cut off between calls
   * except for a call that crosses the close on the wire. At `timeoutMs`, what is still unanswered gets UNAVAILABLE first, so no client
   * is left without an answer when its socket closes. Returns how many calls were failed.
   */
  async drainCalls(timeoutMs: number, code = 1012, reason = "service restart"): Promise<number> {
    const { log } = this.#edge;
    const deadline = Date.now() + timeoutMs;
    const busy = new Set(this.clients.values());
    // Calls a client sent before it read `shutdown` may still be on the wire: wait until each
    // socket's ping comes back behind them (a round trip, at most a second) before judging it idle.
    await Promise.all([...busy].map((conn) => conn.barrier(Math.max(1, Math.min(1_000, deadline - Date.now())))));
    const closeIdle = () => {
      for (const conn of busy) {
        if (conn.callsInFlight > 0 && conn.state === "open") continue;
        busy.delete(conn);
        conn.close(code, reason);
      }
    };
    closeIdle();
    if (busy.size > 0) log.info({ connections: busy.size, timeoutMs }, "draining: waiting for calls in flight");
    while (busy.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(10, deadline - Date.now()))));
      closeIdle();
    }
    if (busy.size === 0) return 0;
    const error = drainDeadlineError(timeoutMs);
    let failed = 0;
    for (const conn of busy) failed += conn.failUnanswered(error);
    log.warn({ failed, timeoutMs }, "drain deadline passed: calls still in flight answered UNAVAILABLE");
    return failed;
  }

  /** For good: closes every client socket with the given code, and resolves when all are gone. */
  async closeAll(code: number, reason: string): Promise<void> {
    await this.closeClients(code, reason);
    this.#wss.close();
  }

  #onHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, { error: "method not allowed" });
    if (path === "/healthz") return reply(res, 200, { ok: true });
    // Same exposure as the port itself (loopback by default); CLAWDBOT_METRICS=0 turns it off.
    if (path === "/metrics" && this.#edge.config.metrics) return writeMetrics(res, this.#edge.metrics.registry, req.method);
    if (path === "/readyz") {
      const readiness = this.#hooks.readiness();
      const ready = this.#accepting && readiness.nats && readiness.registry;
      return reply(res, ready ? 200 : 503, { ready, accepting: this.#accepting, ...readiness });
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
  }
}

export const JSONRPC_SUBPROTOCOL = "jsonrpc-2.0";

/** The shared secret a client may show at upgrade: `Authorization: Bearer …`, or `?token=` for browsers. */
function upgradeToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length).trim() || undefined;
  const query = (req.url ?? "").split("?")[1];
  return query ? new URLSearchParams(query).get("token") || undefined : undefined;
}

function refuseUpgrade(socket: Duplex, status: number, text: string, body: string, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extra}\r\n${body}`);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
