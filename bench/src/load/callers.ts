import { connect, createInbox, type Msg, type NatsConnection, type Subscription } from "nats";
import WebSocket from "ws";
import { connectFrame, readBenchEvent, readFrame, requestFrame, requestTemplate } from "./protocol.js";
import type { Target } from "./messages.js";

export type OnReply = (ok: boolean) => void;
/** Like OnReply, with the reply frame itself (for calls whose answer is looked at). */
export type OnReplyFrame = (ok: boolean, frame: Buffer) => void;

/** One thing calls go through: a WebSocket, or a NATS connection used in one of two ways. */
export interface Caller {
  call(onReply: OnReply): void;
  /** Sets the request a call sends. */
  prepare(method: string, params: unknown): void;
  close(): Promise<void>;
}

export type OnBenchEvent = (n: number) => void;

/** A plain `ws` client speaking the native protocol: challenge, connect, then req/res matched by id. */
export class WsCaller implements Caller {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, OnReplyFrame>();
  #next = 0;
  #template: [string, string] = ["", ""];
  onEvent: OnBenchEvent | undefined;
  /** Takes every event frame as it arrives, instead of `onEvent` (the chat scenario reads them itself). */
  onEventFrame: ((frame: Buffer) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  static async open(target: Extract<Target, { kind: "ws" }>): Promise<WsCaller> {
    const ws = new WebSocket(target.url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024, handshakeTimeout: 30_000 });
    const caller = new WsCaller(ws);
    ws.on("error", () => undefined); // surfaced through the handshake or the close
    const opened = new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
    if (!target.handshake) {
      ws.on("message", (data) => caller.#onMessage(data as Buffer));
      await opened;
      return caller;
    }
    const hello = new Promise<void>((resolve, reject) => {
      let challenged = false;
      const onMessage = (data: Buffer) => {
        if (!challenged) {
          challenged = true;
          ws.send(connectFrame("c", target.token, target.identity));
          return;
        }
        const frame = JSON.parse(data.toString("utf8")) as { type?: string; id?: string; ok?: boolean; error?: { message?: string } };
        if (frame.type !== "res" || frame.id !== "c") return;
        ws.off("message", onMessage);
        ws.on("message", (d) => caller.#onMessage(d as Buffer));
        if (frame.ok) resolve();
        else reject(new Error(`connect refused: ${frame.error?.message ?? "unknown error"}`));
      };
      ws.on("message", onMessage);
      ws.once("close", (code) => reject(new Error(`closed during the handshake (${code})`)));
    });
    await opened;
    await hello;
    return caller;
  }

  prepare(method: string, params: unknown): void {
    this.#template = requestTemplate(method, params);
  }

  call(onReply: OnReply): void {
    const id = (this.#next++).toString(36);
    this.#pending.set(id, onReply);
    this.#ws.send(this.#template[0] + id + this.#template[1]);
  }

  /** One request with its own params, outside the prepared template. */
  request(method: string, params: unknown, onReply: OnReplyFrame): void {
    const id = (this.#next++).toString(36);
    this.#pending.set(id, onReply);
    this.#ws.send(requestFrame(id, method, params));
  }

  close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.#ws.once("close", () => resolve());
      this.#ws.close(1000);
      setTimeout(() => {
        this.#ws.terminate();
        resolve();
      }, 3_000).unref();
    });
  }

  #onMessage(buf: Buffer): void {
    const frame = readFrame(buf);
    if (frame.kind === "reply") {
      const onReply = this.#pending.get(frame.id);
      if (onReply) {
        this.#pending.delete(frame.id);
        onReply(frame.ok, buf);
      }
    } else if (frame.kind === "event" && this.onEventFrame) {
      this.onEventFrame(buf);
    } else if (frame.kind === "event" && this.onEvent) {
      const n = readBenchEvent(buf);
      if (n >= 0) this.onEvent(n);
    }
  }
}

const encoder = new TextEncoder();

/** Raw NATS request/reply: `nc.request()` per call, or one wildcard inbox and a pending map (the mux). */
export class NatsCaller implements Caller {
  readonly #nc: NatsConnection;
  readonly #subject: string;
  readonly #mode: "request" | "mux";
  readonly #pending = new Map<string, OnReply>();
  readonly #inbox: string;
  #subscription: Subscription | undefined;
  #payload = new Uint8Array(0);
  #next = 0;

  private constructor(nc: NatsConnection, subject: string, mode: "request" | "mux") {
    this.#nc = nc;
    this.#subject = subject;
    this.#mode = mode;
    this.#inbox = createInbox();
    if (mode === "mux") {
      this.#subscription = nc.subscribe(`${this.#inbox}.*`, { callback: (_err, msg) => this.#onReply(msg) });
    }
  }

  static async open(target: Extract<Target, { kind: "nats" }>): Promise<NatsCaller> {
    const nc = await connect({ servers: target.url, name: `bench-${target.mode}` });
    return new NatsCaller(nc, target.subject, target.mode);
  }

  prepare(method: string, params: unknown): void {
    const [head, tail] = requestTemplate(method, params);
    this.#payload = encoder.encode(`${head}0000000${tail}`);
  }

  call(onReply: OnReply): void {
    if (this.#mode === "request") {
      this.#nc.request(this.#subject, this.#payload, { timeout: 30_000 }).then(
        () => onReply(true),
        () => onReply(false),
      );
      return;
    }
    const token = (this.#next++).toString(36);
    this.#pending.set(token, onReply);
    this.#nc.publish(this.#subject, this.#payload, { reply: `${this.#inbox}.${token}` });
  }

  async close(): Promise<void> {
    this.#subscription?.unsubscribe();
    await this.#nc.close();
  }

  #onReply(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length + 1);
    const onReply = this.#pending.get(token);
    if (!onReply) return;
    this.#pending.delete(token);
    onReply(msg.headers?.code !== 503);
  }
}
