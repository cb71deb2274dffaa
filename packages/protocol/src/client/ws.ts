// `@clawdbot/protocol/ws`: the client preset with `ws` for Node 20, which has no global
// WebSocket. A separate entry so that `ws` is never pulled into browser bundles of the main one.
import WebSocket from "ws";
import { GatewayClient } from "./gateway-client.js";
import type { GatewayClientOptions } from "./options.js";
import type { WebSocketConstructor } from "./socket.js";

/** `ws`'s WebSocket class, typed as the client needs it (so no `ws` types leak into ours). */
export const NodeWebSocket: WebSocketConstructor = WebSocket;

/**
 * Creates a {@link GatewayClient} that uses `ws` (a peer dependency: `npm i ws`).
 *
 * @example
 * import { createGatewayClient } from "@clawdbot/protocol/ws";
 * const client = createGatewayClient({ url: "ws://127.0.0.1:18789", token: process.env.CLAWDBOT_GATEWAY_TOKEN });
 * await client.connect();
 * const { count } = await client.call("sessions.list", { limit: 5 });
 * client.close();
 */
export function createGatewayClient(options: Omit<GatewayClientOptions, "WebSocket"> & { WebSocket?: WebSocketConstructor }): GatewayClient {
  return new GatewayClient({ ...options, WebSocket: options.WebSocket ?? NodeWebSocket });
}

export * from "./index.js";
