import * as z from "zod";
import { GATEWAY_CLIENT_IDS, GATEWAY_CLIENT_MODES } from "./client-info.js";
import { ConnectClient, ConnectParams, DeviceProof, EventFrame, type HelloOk, Policy, RequestFrame, ResponseFrame, Snapshot } from "./frames.js";

// Protocol 4 (protocol-v4-delta §2, §3): what grew or changed next to the v3 frames in
// frames.ts. Objects stay strict, as the original's v4 schemas are (additionalProperties:false).

const NonEmptyString = z.string().min(1);
const NonNegativeInt = z.int().min(0);

/** v4 ids: ours already cover every generation (aliases admit Jan-2026 builds); v4 adds the worker. */
export const GATEWAY_CLIENT_IDS_V4 = [...GATEWAY_CLIENT_IDS, "openclaw-worker"] as const;
export const GATEWAY_CLIENT_MODES_V4 = [...GATEWAY_CLIENT_MODES, "worker"] as const;

/** `traceparent` over 128 characters invalidates the frame; `expectedProfileId` is 1–128. */
export const RequestFrameV4 = RequestFrame.extend({
  traceparent: z.string().max(128).optional(),
  expectedProfileId: z.string().min(1).max(128).optional(),
});
export type RequestFrameV4 = z.infer<typeof RequestFrameV4>;

/** `recipientProfileId` is never sent to a v3 client: its reference client drops the frame. */
export const EventFrameV4 = EventFrame.extend({ recipientProfileId: NonEmptyString.optional() });
export type EventFrameV4 = z.infer<typeof EventFrameV4>;

export const GatewayFrameV4 = z.discriminatedUnion("type", [RequestFrameV4, ResponseFrame, EventFrameV4]);
export type GatewayFrameV4 = z.infer<typeof GatewayFrameV4>;

export const ConnectClientV4 = ConnectClient.extend({
  id: z.enum(GATEWAY_CLIENT_IDS_V4),
  mode: z.enum(GATEWAY_CLIENT_MODES_V4),
  buildId: z.string().min(1).max(96).optional(),
  timeZone: z.string().min(1).max(64).optional(),
});
export type ConnectClientV4 = z.infer<typeof ConnectClientV4>;

/** v4 signs the challenge nonce always: a device without one is invalid connect params. */
export const DeviceProofV4 = DeviceProof.extend({ nonce: NonEmptyString });
export type DeviceProofV4 = z.infer<typeof DeviceProofV4>;

export const ConnectAuthV4 = z.strictObject({
  token: z.string().optional(),
  password: z.string().optional(),
  bootstrapToken: z.string().optional(),
  deviceToken: z.string().optional(),
  approvalRuntimeToken: z.string().optional(),
  agentRuntimeIdentityToken: z.string().optional(),
});
export type ConnectAuthV4 = z.infer<typeof ConnectAuthV4>;

const ModelCatalogRequest = z.union([
  z.strictObject({ agentId: NonEmptyString.optional(), sessionKey: NonEmptyString.optional() }),
  z.strictObject({ agentId: NonEmptyString.optional(), shortId: NonEmptyString, slugHint: NonEmptyString.optional() }),
]);

/** v3's `connect` params with v4's client, device proof and auth, plus the keys v4 added. */
function connectParamsWith<D extends z.ZodType>(device: D) {
  return ConnectParams.extend({
    client: ConnectClientV4,
    device: device.optional(),
    auth: ConnectAuthV4.optional(),
    computerUse: z.unknown().optional(),
    workerRuns: z.unknown().optional(),
    modelCatalog: ModelCatalogRequest.optional(),
  });
}

/** `connect` params of protocol 4. */
export const ConnectParamsV4 = connectParamsWith(DeviceProofV4);
export type ConnectParamsV4 = z.infer<typeof ConnectParamsV4>;

/**
 * The union of v3 and v4 `connect` params (delta §9.1): what a dual server reads before it knows
 * the version, e.g. to say `protocol mismatch` to a range it cannot serve.
 */
export const ConnectParamsAny = connectParamsWith(DeviceProof);
export type ConnectParamsAny = z.infer<typeof ConnectParamsAny>;

export const ConnectChallengePayloadV4 = z.strictObject({
  nonce: NonEmptyString,
  ts: NonNegativeInt,
  capabilities: z.array(NonEmptyString).optional(),
});
export type ConnectChallengePayloadV4 = z.infer<typeof ConnectChallengePayloadV4>;

export const AUTH_METHODS_V4 = ["none", "token", "password", "tailscale", "device-token", "bootstrap-token", "trusted-proxy"] as const;

const IssuedDeviceToken = z.strictObject({ deviceToken: NonEmptyString, role: NonEmptyString, scopes: z.array(NonEmptyString), issuedAtMs: NonNegativeInt });

/** Always present in a v4 hello-ok: who the connection is, and its device token when one was issued. */
export const HelloAuthV4 = z.strictObject({
  method: z.enum(AUTH_METHODS_V4).optional(),
  role: NonEmptyString,
  scopes: z.array(NonEmptyString),
  deviceToken: NonEmptyString.optional(),
  issuedAtMs: NonNegativeInt.optional(),
  recoveryScope: NonEmptyString.optional(),
  recoveryMigrationAllowed: z.literal(true).optional(),
  deviceTokens: z.array(IssuedDeviceToken).optional(),
});
export type HelloAuthV4 = z.infer<typeof HelloAuthV4>;

export const PolicyV4 = Policy.extend({
  attachments: z.strictObject({ maxBytes: z.int().min(1), maxImageBytes: z.int().min(1) }).optional(),
  allowedSessionVisibilities: z.array(NonEmptyString).optional(),
  hasMultipleSessionSharingIdentities: z.boolean().optional(),
});
export type PolicyV4 = z.infer<typeof PolicyV4>;

export const SnapshotV4 = Snapshot.extend({
  suspension: z.strictObject({ phase: NonEmptyString }).optional(),
  appliedConfigHash: z.string().nullable().optional(),
  controlUiIdentityUrl: NonEmptyString.optional(),
  authMode: z.enum(["none", "token", "password", "trusted-proxy"]).optional(),
  updateAvailable: z.unknown().optional(),
  updateSchedule: z.unknown().optional(),
});
export type SnapshotV4 = z.infer<typeof SnapshotV4>;

/** v4 hello-ok: `server` drops commit/host and adds boot/build ids, `auth` is required, no canvasHostUrl. */
export const HelloOkV4 = z.strictObject({
  type: z.literal("hello-ok"),
  protocol: z.int().min(1),
  server: z.strictObject({
    version: NonEmptyString,
    connId: NonEmptyString,
    buildId: NonEmptyString.optional(),
    bootId: NonEmptyString.optional(),
    controlUiBuildSource: z.enum(["bundled", "configured"]).optional(),
  }),
  features: z.strictObject({
    methods: z.array(NonEmptyString),
    events: z.array(NonEmptyString),
    capabilities: z.array(NonEmptyString).optional(),
  }),
  snapshot: SnapshotV4,
  auth: HelloAuthV4,
  policy: PolicyV4,
  controlUiUrl: NonEmptyString.optional(),
  controlUiTabs: z.unknown().optional(),
  controlUiWidgetKinds: z.unknown().optional(),
  controlUiLinkReaders: z.unknown().optional(),
  pluginSurfaceUrls: z.record(z.string(), NonEmptyString).optional(),
});
export type HelloOkV4 = z.infer<typeof HelloOkV4>;

/** A hello-ok of either version; `protocol` says which. */
export type AnyHelloOk = HelloOk | HelloOkV4;
