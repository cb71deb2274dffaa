import { randomUUID } from "node:crypto";
import WebSocket, { type ClientOptions } from "ws";

// `id` is a string in native frames and may be a number or null in JSON-RPC ones.
export type Frame = Record<string, unknown> & { type?: string; id?: string | number | null; event?: string };

export interface ConnectOverrides {
  token?: string;
  password?: string;
  client?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Connect params as the original's clients send them, with a test identity by default. */
export function connectParams(overrides: ConnectOverrides = {}): Record<string, unknown> {
  const { token, password, client, ...rest } = overrides;
  const auth: Record<string, string> = {};
  if (token !== undefined) auth.token = token;
  if (password !== undefined) auth.password = password;
  return {
    minProtocol: 3,
    maxProtocol: 3,
    client: { id: "test", version: "1.0.0", platform: process.platform, mode: "test", ...client },
    ...(Object.keys(auth).length > 0 ? { auth } : {}),
    ...rest,
  };
}

/**
 * A plain `ws` client speaking the native protocol frame by frame, recording everything it
 * receives, so tests can assert on exact frames and close codes.
 */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly texts: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ws: WebSocket;
  readonly #listeners = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("message", (data) => {
      const text = (data as Buffer).toString("utf8");
      this.texts.push(text);
      try {
        this.frames.push(JSON.parse(text) as Frame);
      } catch {
        this.frames.push({ unparsable: text });
      }
      for (const listener of this.#listeners) listener();
    });
    ws.on("error", () => undefined); // surfaced through `closed`
  }

  static open(url: string, options: ClientOptions & { protocols?: string | string[] } = {}): Promise<RawClient> {
    const { protocols, ...rest } = options;
    const ws = new WebSocket(url, protocols, { maxPayload: 25 * 1024 * 1024, ...rest });
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  /**
   * Opens, waits for `connect.challenge`, sends `connect`, and returns the connect response.
   * `options` go to the socket (for example `localAddress`, to come from another loopback address).
   */
  static async connect(url: string, overrides: ConnectOverrides = {}, options: ClientOptions = {}): Promise<{ client: RawClient; hello: Frame }> {
    const client = await RawClient.open(url, options);
    await client.next((f) => f.event === "connect.challenge");
    const hello = await client.request("connect", connectParams(overrides));
    return { client, hello };
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first received frame satisfying `match` (already received or still to come). */
  next(match: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const found = this.frames.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = () => {
        const frame = this.frames.find(match);
        if (frame) {
          cleanup();
          resolve(frame);
        }
      };
      const onClose = () => {
        cleanup();
        reject(new Error(`socket closed before the expected frame; got ${this.texts.length} frames`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`expected frame not received within ${timeoutMs} ms; got: ${this.texts.slice(-5).join(" | ")}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        this.ws.off("close", onClose);
      };
      this.#listeners.add(listener);
      this.ws.once("close", onClose);
    });
  }

  /** Sends a `req` and resolves with its `res` frame (ok or not). */
  request(method: string, params?: unknown, timeoutMs?: number): Promise<Frame> {
    const id = randomUUID();
    this.send(params === undefined ? { type: "req", id, method } : { type: "req", id, method, params });
    return this.next((f) => f.type === "res" && f.id === id, timeoutMs);
  }

  close(code = 1000): void {
    this.ws.close(code);
  }
}
