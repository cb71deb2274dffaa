// Baseline for fan-out: a bare `ws` server that, for each message on a NATS subject (a wildcard;
// the subject's last token names the event, as on our edge), builds the event frame once and
// sends that same text to every connected socket.
import type { AddressInfo } from "node:net";
import { connect } from "nats";
import { WebSocketServer } from "ws";
import { natsArgs, ready } from "./ready.js";

const { nats, subject } = natsArgs();
const decoder = new TextDecoder();
const nc = await connect({ servers: nats, name: "bench-broadcast" });
let seq = 0;
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
wss.on("connection", (ws) => ws.on("error", () => undefined));
nc.subscribe(subject, {
  callback: (_err, msg) => {
    const event = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
    const frame = `{"type":"event","event":"${event}","payload":${decoder.decode(msg.data)},"seq":${++seq}}`;
    for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(frame);
  },
});
await Promise.all([nc.flush(), new Promise((resolve) => wss.once("listening", resolve))]);
ready({ port: (wss.address() as AddressInfo).port });
