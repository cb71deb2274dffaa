import type { WebSocket } from "ws";

/**
 * Sets the largest message a socket will read, per socket. The server must accept protocol 4's
 * 25 MiB frames, but `ws` takes one `maxPayload` for all sockets: without this, a socket that
 * has not even said `connect` could make the edge buffer 25 MiB. `ws` keeps the limit on the
 * socket's receiver and checks each frame header against it, before buffering the payload; that
 * field is not public API, so this returns false when it is absent and the caller's own check
 * (connection.ts, after the message is read) is the only limit left.
 */
export function setReceiveLimit(ws: WebSocket, maxBytes: number): boolean {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (!receiver || typeof receiver._maxPayload !== "number") return false;
  receiver._maxPayload = maxBytes;
  return true;
}
