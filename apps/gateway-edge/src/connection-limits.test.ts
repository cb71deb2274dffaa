import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import type { WebSocket } from "ws";
import { Connection } from "./connection.js";
import type { EdgeContext } from "./edge-context.js";
import type { Admitted, Refused } from "./handshake.js";

// The handshake-time limits of one connection (protocol-v4-delta §2), on a stand-in socket: how
// many frames may queue behind a `connect` that is still being checked, per offered version.

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closed: { code?: number; reason?: string } | undefined;
  send(text: string): void {
    this.sent.push(text);
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }
}

function connection(): { conn: Connection; ws: FakeSocket } {
  const ws = new FakeSocket();
  const edge = {
    log: pino({ enabled: false }),
    config: { handshakeTimeoutMs: 60_000, maxPayload: 524_288, maxBufferedBytes: 1_572_864 },
    writes: { hold: () => undefined },
    metrics: { handshakeRefused: () => undefined, handshakeAccepted: () => undefined },
  } as unknown as EdgeContext;
  const conn = new Connection(ws as unknown as WebSocket, { socket: {} } as IncomingMessage, edge, {
    jsonRpc: false,
    upgradeAuthenticated: false,
    client: { ip: "127.0.0.1", local: true, viaTrustedProxy: false },
    settings: {} as never,
    onOpen: () => undefined,
    onClose: () => undefined,
  });
  return { conn, ws };
}

const pending = () => new Promise<Admitted | Refused>(() => undefined);
const frame = () => Buffer.from(JSON.stringify({ type: "req", id: "x", method: "health" }));

describe("frames queued behind a connect being checked", () => {
  test("v4: the 16th closes 1008 too many pending handshake frames", () => {
    const { conn, ws } = connection();
    void conn.whileAdmitting(pending(), 4);
    for (let i = 0; i < 15; i++) ws.emit("message", frame());
    expect(ws.closed).toBeUndefined();
    ws.emit("message", frame());
    expect(ws.closed).toEqual({ code: 1008, reason: "too many pending handshake frames" });
  });

  test("v3: up to 64 wait and the rest are dropped; the socket stays open", () => {
    const { conn, ws } = connection();
    void conn.whileAdmitting(pending(), 3);
    for (let i = 0; i < 100; i++) ws.emit("message", frame());
    expect(ws.closed).toBeUndefined();
  });

  test("the challenge is sent at once, with capabilities", () => {
    const { ws } = connection();
    expect(JSON.parse(ws.sent[0]!)).toMatchObject({ type: "event", event: "connect.challenge", payload: { nonce: expect.any(String), capabilities: [] } });
  });

  test("before hello-ok a frame over 64 KiB closes 1009", () => {
    const { ws } = connection();
    ws.emit("message", Buffer.alloc(70_000, 0x20));
    expect(ws.closed).toEqual({ code: 1009, reason: "preauth payload too large" });
  });
});
