// The client never imports a WebSocket implementation: the browser's global `WebSocket` and the
// `ws` package both satisfy this shape, so one client works in both without bundling `ws` into
// browser builds. Only the `on*` handler properties are used because both implement them alike.

/**
 * Handler type written as a method so its parameter is compared bivariantly: `ws` and the DOM
 * declare richer event types than the few fields the client reads, and both must be assignable.
 */
type Handler<E> = { bivarianceHack(event: E): void }["bivarianceHack"];

/** The part of a WebSocket the client uses; the DOM `WebSocket` and `ws`'s class both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers, `WebSocket` from `ws` in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `WebSocket.OPEN`, the same number in every implementation. */
export const OPEN = 1;

const decoder = typeof TextDecoder === "function" ? new TextDecoder() : undefined;

/** Text of a message: a string for text frames; binary frames are decoded as UTF-8 (spec §1). */
export function messageText(data: unknown): string | undefined {
  if (typeof data === "string") return data;
  if (!decoder) return undefined;
  if (data instanceof ArrayBuffer) return decoder.decode(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return undefined; // a Blob (browser binaryType "blob"): the gateway never sends binary frames
}

/** The global WebSocket of browsers (and Node 22+), if there is one. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  const candidate = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof candidate === "function" ? (candidate as WebSocketConstructor) : undefined;
}
