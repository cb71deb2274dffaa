import { PROTOCOL_VERSION } from "../constants.js";
import type { ConnectClient, ConnectParams, DeviceProof } from "../frames.js";
import type { AnyHelloOk } from "../frames-v4.js";
import type { BackoffOptions } from "./backoff.js";
import type { CloseInfo } from "./connection.js";
import type { WebSocketConstructor } from "./socket.js";

/** Options of {@link GatewayClient}. Only `url` is required (plus `WebSocket` where there is no global one). */
export interface GatewayClientOptions {
  /** `ws://host:port` or `wss://…` of a gateway edge. */
  url: string;
  /**
   * The WebSocket class. Defaults to the global `WebSocket` (browsers); Node 20 has none, so
   * pass `WebSocket` from `ws`, or use `createGatewayClient` from `@clawdbot/protocol/ws`.
   */
  WebSocket?: WebSocketConstructor;
  /** WebSocket subprotocols; none by default (the native protocol needs none). */
  protocols?: string | string[];
  /** Shared gateway token (`CLAWDBOT_GATEWAY_TOKEN`), sent as `auth.token` in `connect`. */
  token?: string;
  /** Shared gateway password, sent as `auth.password`. */
  password?: string;
  /** Client identity; defaults: id "gateway-client", mode "backend", version "dev", the platform. */
  client?: Partial<ConnectClient>;
  /** "operator" (default on the server) or "node". */
  role?: string;
  /**
   * Requested scopes; a v3 server gives operators `operator.admin` when none are asked for. With
   * `maxProtocol: 4` the client asks for `operator.admin` itself (v4 servers grant no default).
   */
  scopes?: string[];
  /**
   * The highest protocol version to offer: 3 (default) or 4. With 4 the client offers 3..4, so a
   * v3-only gateway answers 3 and a v4 one 4; `hello.protocol` says which. Under 4 a device-less
   * client that is not local keeps no scopes (protocol-v4-delta §4), so remote clients need a `device`.
   */
  maxProtocol?: 3 | 4;
  caps?: string[];
  commands?: string[];
  permissions?: Record<string, boolean>;
  locale?: string;
  userAgent?: string;
  /** Signs a device proof for the challenge nonce (undefined when no challenge came in time). */
  device?: (nonce: string | undefined) => DeviceProof | undefined | Promise<DeviceProof | undefined>;
  /** Default timeout of `call()`, ms. Default 30000. `Infinity` waits forever. */
  requestTimeoutMs?: number;
  /** How long `connect()` keeps trying before it rejects and closes the client, ms. Default 30000. */
  connectTimeoutMs?: number;
  /** Wait for `connect.challenge` this long before connecting without a nonce. Default 750 (the original's). */
  challengeTimeoutMs?: number;
  /** One attempt's limit from opening the socket to hello-ok, ms. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Reconnect backoff, or `false` to stay closed after the first drop. */
  reconnect?: BackoffOptions | false;
  /** Close with 4000 "tick timeout" after 2× `policy.tickIntervalMs` without a tick. Default true. */
  tickWatchdog?: boolean;
  /** Every hello-ok, the first and each reconnect: re-fetch state here, events were missed meanwhile. */
  onHello?: (hello: AnyHelloOk) => void;
  /** A reconnect was scheduled: `attempt` counts from 0 since the last hello-ok. */
  onReconnect?: (info: { attempt: number; delayMs: number }) => void;
  /** Every connection (or attempt) that ended. */
  onClose?: (info: CloseInfo) => void;
  /** A jump in event `seq`: events were skipped (scope guards, dropIfSlow), or missed while reconnecting and not replayed. */
  onGap?: (gap: { expected: number; received: number }) => void;
  /**
   * After a reconnect, ask the gateway for the events missed since the last `seq` (`events.replay`,
   * this gateway's extension; protocol 3 only, where `seq` is shared by every edge). They reach
   * your handlers in `seq` order before anything newer. When the gateway no longer has them,
   * `onGap` reports the gap and `onHello` is the place to re-fetch state. Default false.
   */
  replayEvents?: boolean;
  /** Errors nobody awaits: a throwing event handler, an invalid frame outside any call. */
  onError?: (error: unknown) => void;
}

export const CLIENT_DEFAULTS = {
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 30_000,
  challengeTimeoutMs: 750,
  handshakeTimeoutMs: 10_000,
} as const;

/** The platform string for `client.platform`, from Node or the browser, without typing either. */
function detectPlatform(): string {
  const g = globalThis as { process?: { platform?: unknown }; navigator?: { platform?: unknown } };
  if (typeof g.process?.platform === "string") return g.process.platform;
  if (typeof g.navigator?.platform === "string" && g.navigator.platform) return g.navigator.platform;
  return "web";
}

/** The `connect` params the options describe (spec §3.2), for the challenge `nonce`. */
export async function buildConnectParams(options: GatewayClientOptions, nonce: string | undefined): Promise<ConnectParams> {
  const client: ConnectClient = { id: "gateway-client", mode: "backend", version: "dev", platform: detectPlatform(), ...options.client };
  const params: ConnectParams = { minProtocol: PROTOCOL_VERSION, maxProtocol: options.maxProtocol ?? PROTOCOL_VERSION, client };
  if (options.token !== undefined || options.password !== undefined) {
    params.auth = {};
    if (options.token !== undefined) params.auth.token = options.token;
    if (options.password !== undefined) params.auth.password = options.password;
  }
  // Copy only what was given: the server's schema is strict and an explicit `undefined` would
  // still be left out by JSON, but keeping the object clean keeps logs and tests readable.
  for (const key of ["role", "scopes", "caps", "commands", "permissions", "locale", "userAgent"] as const) {
    if (options[key] !== undefined) (params as Record<string, unknown>)[key] = options[key];
  }
  // v4 servers grant no default scopes; the v4 client asks for admin itself, which a v3 server grants anyway.
  if (params.maxProtocol >= 4 && params.scopes === undefined && (params.role ?? "operator") === "operator") params.scopes = ["operator.admin"];
  const device = await options.device?.(nonce);
  if (device) params.device = device;
  return params;
}
