import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { secretsEqual } from "./auth.js";
import { Connection } from "./connection.js";
import type { EdgeContext } from "./edge-context.js";

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
  #accepting = true;

  constructor(edge: EdgeContext, clients: Map<string, Connection>, hooks: EdgeServerHooks) {
    this.#edge = edge;
    this.clients = clients;
    this.#hooks = hooks;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: edge.config.maxPayload,
      perMessageDeflate: false,
      handleProtocols: (offered) => (offered.has(JSONRPC_SUBPROTOCOL) ? JSONRPC_SUBPROTOCOL : false),
    });
    this.#http = createServer((req, res) => this.#onHttp(req, res));
    this.#http.on("upgrade", (req: IncomingMessage, socket, head) => {
      if (!this.#accepting) {
        socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
        return;
      }
      socket.on("error", () => socket.destroy());
      const token = upgradeToken(req);
      if (token !== undefined && !this.#acceptsSecret(token)) {
        socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nunauthorized: gateway token mismatch\n");
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = new Connection(ws, req, this.#edge, {
          jsonRpc: ws.protocol === JSONRPC_SUBPROTOCOL,
          upgradeAuthenticated: token !== undefined,
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

  async listen(): Promise<AddressInfo> {
    const { port, bind } = this.#edge.config;
    await new Promise<void>((resolve, reject) => {
      this.#http.once("error", reject);
      this.#http.listen(port, bind, () => {
        this.#http.off("error", reject);
        resolve();
      });
    });
    return this.#http.address() as AddressInfo;
  }

  /** Stops taking new connections; existing ones stay until closed. */
  stopAccepting(): void {
    this.#accepting = false;
    this.#http.close();
  }

  /** Closes every client socket with the given code, and resolves when all are gone. */
  async closeAll(code: number, reason: string): Promise<void> {
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
    this.#wss.close();
    this.#http.closeAllConnections();
  }

  #acceptsSecret(given: string): boolean {
    const { authMode, token, password } = this.#edge.config;
    const expected = authMode === "token" ? token : password;
    return expected !== undefined && secretsEqual(given, expected);
  }

  #onHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, { error: "method not allowed" });
    if (path === "/healthz") return reply(res, 200, { ok: true });
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

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
