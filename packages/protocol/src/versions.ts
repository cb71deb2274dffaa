/**
 * Protocol versions and what differs between them (protocol-v4-delta §1, §2). The edge
 * negotiates per connection: the highest version both sides support.
 */
export const PROTOCOL_V3 = 3;
export const PROTOCOL_V4 = 4;
export const SUPPORTED_PROTOCOLS = [PROTOCOL_V3, PROTOCOL_V4] as const;
export type ProtocolVersion = (typeof SUPPORTED_PROTOCOLS)[number];

/** Limits of protocol 4 (delta §2): 25 MiB frames, 50 MiB queued before a client is slow. */
export const POLICY_V4 = {
  maxPayload: 26_214_400,
  maxBufferedBytes: 52_428_800,
  tickIntervalMs: 30_000,
} as const;

/** A frame before hello-ok larger than this closes the socket 1009 `preauth payload too large`. */
export const PREAUTH_MAX_PAYLOAD_BYTES = 65_536;

/** More frames than this queued behind `connect` close a v4 socket 1008. */
export const MAX_PENDING_HANDSHAKE_FRAMES_V4 = 15;

/** How far a v4 device's `signedAt` may be from the gateway's clock (delta §4; v3: 10 min). */
export const DEVICE_SIGNATURE_SKEW_MS_V4 = 120_000;

/**
 * The highest version in both `[minProtocol, maxProtocol]` and `supported`; null when the ranges
 * do not meet (the caller answers `protocol mismatch`, close 1002).
 *
 * @example
 * negotiateProtocol(3, 4); // 4
 * negotiateProtocol(3, 3); // 3
 * negotiateProtocol(5, 6); // null
 */
export function negotiateProtocol(minProtocol: number, maxProtocol: number, supported: readonly number[] = SUPPORTED_PROTOCOLS): number | null {
  let best: number | null = null;
  for (const version of supported) {
    if (version >= minProtocol && version <= maxProtocol && (best === null || version > best)) best = version;
  }
  return best;
}
