// Baseline: a bare `ws` server that sends every frame straight back (also the bare server that
// holds idle connections in the memory scenario).
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { ready } from "./ready.js";

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  ws.on("error", () => undefined);
});
wss.on("listening", () => ready({ port: (wss.address() as AddressInfo).port }));
