import { connect as tcpConnect, type Socket } from "node:net";
import WebSocket from "ws";

// Clients for the edge fuzz test that keep no frames: 100,000 frames and their answers would
// otherwise fill the test process, and only counts matter.

export type Dialect = "native" | "jsonrpc";

/** A handshaken connection of either dialect, counting what comes back; `call` waits for one answer. */
export class LeanClient {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  received = 0;
  readonly #waiting = new Map<string | number, { resolve: (frame: Record<string, unknown>) => void; reject: (err: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.once("close", (code) => {
      for (const [id, waiter] of this.#waiting) waiter.reject(new Error(`closed (${code}) before the answer to ${id}`));
      this.#waiting.clear();
    });
    ws.on("error", () => undefined);
    ws.on("message", (data) => {
      this.received++;
      const text = (data as Buffer).toString("utf8");
      // Only the answers someone waits for are parsed; everything else is counted.
      if (this.#waiting.size === 0 || !text.includes('"sync-')) return;
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        return;
      }
      for (const f of Array.isArray(frame) ? frame : [frame]) {
        const id = (f as { id?: string | number }).id;
        if (id !== undefined && this.#waiting.has(id)) {
          this.#waiting.get(id)!.resolve(f as Record<string, unknown>);
          this.#waiting.delete(id);
        }
      }
    });
  }

  static async open(url: string, dialect: Dialect, token: string, options: { localAddress?: string } = {}): Promise<LeanClient> {
    const ws =
      dialect === "jsonrpc"
        ? new WebSocket(url, "jsonrpc-2.0", { headers: { authorization: `Bearer ${token}` }, maxPayload: 64 * 1024 * 1024, ...options })
        : new WebSocket(url, { maxPayload: 64 * 1024 * 1024, ...options });
    const client = new LeanClient(ws);
    // Listening from the start: the challenge can arrive in the same read as the upgrade answer.
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no hello-ok within 10 s")), 10_000);
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once("close", (code) => reject(new Error(`closed during the handshake (${code})`)));
      if (dialect === "jsonrpc") {
        ws.once("open", () => (clearTimeout(timer), resolve()));
        return;
      }
      const onMessage = (data: WebSocket.RawData) => {
        const frame = JSON.parse((data as Buffer).toString("utf8")) as { event?: string; id?: string; ok?: boolean };
        if (frame.event === "connect.challenge") {
          ws.send(JSON.stringify({ type: "req", id: "connect", method: "connect", params: { minProtocol: 3, maxProtocol: 3, client: { id: "cli", version: "1.0.0", platform: "linux", mode: "cli" }, auth: { token } } }));
        } else if (frame.id === "connect") {
          clearTimeout(timer);
          ws.off("message", onMessage);
          if (frame.ok) resolve();
          else reject(new Error(`connect refused: ${JSON.stringify(frame)}`));
        }
      };
      ws.on("message", onMessage);
    });
    await ready;
    return client;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * A well-formed call, answered in order behind what was sent before it: used as a sync point,
   * so the fuzzer never runs far ahead of the edge. Resolves with the answer frame.
   */
  call(dialect: Dialect, id: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (!this.open) return reject(new Error(`not open: cannot send ${method} (${id})`));
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no answer to ${method} (${id}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, {
        resolve: (frame) => (clearTimeout(timer), resolve(frame)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      this.ws.send(JSON.stringify(dialect === "native" ? { type: "req", id, method, params } : { jsonrpc: "2.0", id, method, params }));
    });
  }
}

/** A TCP connection to the edge that says something incomplete (or nothing) and then stalls. */
export function halfOpenSocket(port: number, kind: "silent" | "partial-http" | "partial-frame"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.on("error", () => undefined);
    socket.once("connect", () => {
      if (kind === "silent") return resolve(socket);
      if (kind === "partial-http") {
        socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upg");
        return resolve(socket);
      }
      socket.write(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      socket.once("data", () => {
        // A masked text frame announcing 60,000 bytes, of which only 100 ever come.
        const header = Buffer.from([0x81, 0xfe, 0xea, 0x60, 1, 2, 3, 4]);
        socket.write(Buffer.concat([header, Buffer.alloc(100, 0x41)]));
        resolve(socket);
      });
    });
    socket.once("error", reject);
  });
}
