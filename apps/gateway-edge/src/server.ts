import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { Connection } from "./connection.js";
import type { EdgeContext } from "./edge-context.js";

export interface Readiness {
  nats: boolean;
  registry: boolean;
}

/**
 * The edge's one port: WebSocket upgrades on any path (as the original), plus `/healthz`
 * (the process is alive) and `/readyz` (NATS connected and the method registry loaded).
 */
export class EdgeServer {
  readonly clients = new Set<Connection>();
  readonly #edge: EdgeContext;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #readiness: () => Readiness;
  #accepting = true;

  constructor(edge: EdgeContext, readiness: () => Readiness) {
    this.#edge = edge;
    this.#readiness = readiness;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: edge.config.maxPayload, perMessageDeflate: false });
    this.#http = createServer((req, res) => this.#onHttp(req, res));
    this.#http.on("upgrade", (req: IncomingMessage, socket, head) => {
      if (!this.#accepting) {
        socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
        return;
      }
      socket.on("error", () => socket.destroy());
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = new Connection(ws, req, this.#edge, {
          onOpen: (c) => this.clients.add(c),
          onClose: (c) => this.clients.delete(c),
        });
        ws.once("close", () => this.clients.delete(conn));
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

  #onHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, { error: "method not allowed" });
    if (path === "/healthz") return reply(res, 200, { ok: true });
    if (path === "/readyz") {
      const readiness = this.#readiness();
      const ready = this.#accepting && readiness.nats && readiness.registry;
      return reply(res, ready ? 200 : 503, { ready, accepting: this.#accepting, ...readiness });
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
