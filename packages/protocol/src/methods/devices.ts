import * as z from "zod";

// Device pairing and device tokens (spec §4.5, §6.3). Records keep the original's field names, so
// what `device.pair.list` returns and what the pairing events carry look as the original's do.

const NonEmptyString = z.string().min(1);
const Millis = z.int().min(0);

/** Who a device is and what it asked for: shared by pairing requests and paired devices. */
const deviceFields = {
  deviceId: NonEmptyString,
  /** Raw Ed25519 key, base64url without padding, whatever form the device sent. */
  publicKey: NonEmptyString,
  displayName: NonEmptyString.optional(),
  platform: NonEmptyString.optional(),
  clientId: NonEmptyString.optional(),
  clientMode: NonEmptyString.optional(),
  role: NonEmptyString.optional(),
  roles: z.array(NonEmptyString).optional(),
  scopes: z.array(NonEmptyString).optional(),
  remoteIp: NonEmptyString.optional(),
};

/** A device waiting for an operator; also the payload of `device.pair.requested`. */
export const DevicePairingRequest = z.object({
  requestId: NonEmptyString,
  ...deviceFields,
  silent: z.boolean().optional(),
  isRepair: z.boolean().optional(),
  ts: Millis,
});
export type DevicePairingRequest = z.infer<typeof DevicePairingRequest>;

/** A device token as stored: one per role of a paired device. The token itself is a secret. */
export const DeviceToken = z.object({
  token: NonEmptyString,
  role: NonEmptyString,
  scopes: z.array(NonEmptyString),
  createdAtMs: Millis,
  rotatedAtMs: Millis.optional(),
  revokedAtMs: Millis.optional(),
  lastUsedAtMs: Millis.optional(),
});
export type DeviceToken = z.infer<typeof DeviceToken>;

/** A device token as operators see it: everything but the token. */
export const DeviceTokenSummary = DeviceToken.omit({ token: true });
export type DeviceTokenSummary = z.infer<typeof DeviceTokenSummary>;

const pairedDeviceFields = {
  ...deviceFields,
  createdAtMs: Millis,
  approvedAtMs: Millis,
};

/** A paired device as stored, its tokens keyed by role. */
export const PairedDevice = z.object({ ...pairedDeviceFields, tokens: z.record(z.string(), DeviceToken).optional() });
export type PairedDevice = z.infer<typeof PairedDevice>;

/** A paired device as `device.pair.list` shows it: token secrets left out. */
export const PairedDeviceSummary = z.object({ ...pairedDeviceFields, tokens: z.array(DeviceTokenSummary).optional() });
export type PairedDeviceSummary = z.infer<typeof PairedDeviceSummary>;

/** Payload of `device.pair.resolved`. */
export const DevicePairResolved = z.object({
  requestId: NonEmptyString,
  deviceId: NonEmptyString,
  decision: z.enum(["approved", "rejected"]),
  ts: Millis,
});
export type DevicePairResolved = z.infer<typeof DevicePairResolved>;

export const DevicePairListParams = z.strictObject({});
export const DevicePairListResult = z.object({ pending: z.array(DevicePairingRequest), paired: z.array(PairedDeviceSummary) });
export type DevicePairListResult = z.infer<typeof DevicePairListResult>;

export const DevicePairApproveParams = z.strictObject({ requestId: NonEmptyString });
export const DevicePairApproveResult = z.object({ requestId: NonEmptyString, device: PairedDeviceSummary });
export type DevicePairApproveResult = z.infer<typeof DevicePairApproveResult>;

export const DevicePairRejectParams = z.strictObject({ requestId: NonEmptyString });
export const DevicePairRejectResult = z.object({ requestId: NonEmptyString, deviceId: NonEmptyString });
export type DevicePairRejectResult = z.infer<typeof DevicePairRejectResult>;

export const DeviceTokenRotateParams = z.strictObject({
  deviceId: NonEmptyString,
  role: NonEmptyString,
  scopes: z.array(NonEmptyString).optional(),
});
export const DeviceTokenRotateResult = z.object({
  deviceId: NonEmptyString,
  role: NonEmptyString,
  token: NonEmptyString,
  scopes: z.array(NonEmptyString),
  rotatedAtMs: Millis,
});
export type DeviceTokenRotateResult = z.infer<typeof DeviceTokenRotateResult>;

export const DeviceTokenRevokeParams = z.strictObject({ deviceId: NonEmptyString, role: NonEmptyString });
export const DeviceTokenRevokeResult = z.object({ deviceId: NonEmptyString, role: NonEmptyString, revokedAtMs: Millis });
export type DeviceTokenRevokeResult = z.infer<typeof DeviceTokenRevokeResult>;
