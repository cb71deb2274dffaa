// Baseline, the "minimal composite" of ARCHITECTURE §7: a bare `ws` server that forwards each
// frame as one NATS request through one wildcard reply inbox and a pending map (one sweep timer
// for timeouts), and writes the reply back to the socket as it comes.
import type { AddressInfo } from "node:net";
import { connect, createInbox } from "nats";
import { type WebSocket, WebSocketServer } from "ws";
import { natsArgs, ready } from "./ready.js";

const TIMEOUT_MS = 30_000;
const { nats, subject } = natsArgs();
const nc = await connect({ servers: nats, name: "bench-composite" });
const inbox = createInbox();
const pending = new Map<string, { ws: WebSocket; deadline: number }>();
let next = 0;

nc.subscribe(`${inbox}.*`, {
  callback: (_err, msg) => {
    const token = msg.subject.slice(inbox.length + 1);
    const call = pending.get(token);
    if (!call) return;
    pending.delete(token);
    call.ws.send(msg.data, { binary: false });
  },
});
setInterval(() => {
  const now = Date.now();
  for (const [token, call] of pending) if (call.deadline <= now) pending.delete(token);
}, 100).unref();

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
wss.on("connection", (ws) => {
  ws.on("message", (data) => {
    const token = (next++).toString(36);
    pending.set(token, { ws, deadline: Date.now() + TIMEOUT_MS });
    nc.publish(subject, data as Buffer, { reply: `${inbox}.${token}` });
  });
  ws.on("error", () => undefined);
});
wss.on("listening", () => ready({ port: (wss.address() as AddressInfo).port }));
