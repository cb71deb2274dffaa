/** How far a device's `signedAt` may be from the gateway's clock, either way (spec §4.3). */
export const DEVICE_SIGNATURE_SKEW_MS = 10 * 60_000;

/** How long a pairing request waits for an operator before it lapses (spec §4.5). */
export const PAIRING_REQUEST_TTL_MS = 5 * 60_000;

/** What a device signs when it connects (spec §4.3). */
export interface DeviceAuthFields {
  deviceId: string;
  clientId: string;
  clientMode: string;
  /** The role after defaulting: a client that sends no role signs `operator`. */
  role: string;
  /** The scopes as sent, before the gateway's default: empty when none are sent. */
  scopes: readonly string[];
  signedAtMs: number;
  /** Whatever travels in `auth.token` (the shared token or a device token), or nothing. */
  token?: string | null | undefined;
  /** The challenge nonce; signing one makes the string v2. */
  nonce?: string | null | undefined;
}

/**
 * The string a device signs for `connect`, fields joined with `|` (spec §4.3):
 * `v1|deviceId|clientId|clientMode|role|scopes|signedAtMs|token`, and v2 appends the nonce.
 * Pure string work, so browser clients can build it too.
 *
 * @example
 * deviceAuthPayload({ deviceId, clientId: "cli", clientMode: "cli", role: "operator", scopes: [], signedAtMs, token, nonce });
 */
export function deviceAuthPayload(fields: DeviceAuthFields): string {
  const parts = [fields.nonce ? "v2" : "v1", ...signedFields(fields)];
  if (fields.nonce) parts.push(fields.nonce);
  return parts.join("|");
}

/** What every version signs, in this order, after its version tag. */
function signedFields(fields: DeviceAuthFields): string[] {
  return [fields.deviceId, fields.clientId, fields.clientMode, fields.role, fields.scopes.join(","), String(fields.signedAtMs), fields.token ?? ""];
}

/** `platform`/`deviceFamily` as v4 signs them: trimmed, ASCII A–Z lower-cased, "" if absent. */
function signedMetadata(value: string | null | undefined): string {
  return (value ?? "").trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * The signature string protocol-4 clients try first (protocol-v4-delta §4):
 * `v3|deviceId|clientId|clientMode|role|scopes|signedAtMs|token|nonce|platform|deviceFamily`.
 * The gateway falls back to the v2 string (`deviceAuthPayload` with a nonce).
 */
export function deviceAuthPayloadV3(fields: DeviceAuthFields & { nonce: string; platform?: string | null | undefined; deviceFamily?: string | null | undefined }): string {
  return ["v3", ...signedFields(fields), fields.nonce, signedMetadata(fields.platform), signedMetadata(fields.deviceFamily)].join("|");
}
