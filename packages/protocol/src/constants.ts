/** Protocol versions this package describes. The edge negotiates per connection. */
export const PROTOCOL_VERSION = 3;

/** Limits and timings of protocol 3 (spec §1, §3.3). Clients read them from `hello-ok.policy`. */
export const DEFAULT_POLICY = {
  maxPayload: 524_288,
  maxBufferedBytes: 1_572_864,
  tickIntervalMs: 30_000,
} as const;

/** Time a client has to complete `connect` after the upgrade (spec §3.1). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Default port of the gateway, as in the original. */
export const DEFAULT_GATEWAY_PORT = 18_789;

/** Default namespace for every NATS subject, stream and KV bucket. */
export const DEFAULT_NATS_PREFIX = "gw";
