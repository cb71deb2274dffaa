// The typed client, free of any WebSocket implementation: safe for browser bundles.
export { DEFAULT_BACKOFF, backoffDelay } from "./backoff.js";
export type { BackoffOptions } from "./backoff.js";
export type { CallArgs, CallMethod, CallOptions, CallResult } from "./call-types.js";
export { TICK_TIMEOUT } from "./connection.js";
export type { CloseInfo } from "./connection.js";
export type { EventHandler } from "./event-hub.js";
export type { AgentEventPayload, ChatEventPayload, EventName, EventPayload, GatewayEvent, GatewayEventPayloads, HealthEventPayload } from "./event-payloads.js";
export { GatewayClient, createGatewayClient } from "./gateway-client.js";
export type { ClientState } from "./gateway-client.js";
export type { GatewayClientOptions } from "./options.js";
export type { WebSocketConstructor, WebSocketLike } from "./socket.js";
