import * as z from "zod";
import { GatewayClientId, GatewayClientMode } from "./client-info.js";

// Every object here is strict: the original's reference client validates incoming frames with
// additionalProperties:false and silently drops any frame with an extra key (spec §1.5).

const NonEmptyString = z.string().min(1);
const NonNegativeInt = z.int().min(0);

export const ErrorShape = z.strictObject({
  code: NonEmptyString,
  message: NonEmptyString,
  details: z.unknown().optional(),
  retryable: z.boolean().optional(),
  retryAfterMs: NonNegativeInt.optional(),
});
export type ErrorShape = z.infer<typeof ErrorShape>;

export const RequestFrame = z.strictObject({
  type: z.literal("req"),
  id: NonEmptyString,
  method: NonEmptyString,
  params: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

export const ResponseFrame = z.strictObject({
  type: z.literal("res"),
  id: NonEmptyString,
  ok: z.boolean(),
  payload: z.unknown().optional(),
  error: ErrorShape.optional(),
});
export type ResponseFrame = z.infer<typeof ResponseFrame>;

export const StateVersion = z.strictObject({
  presence: NonNegativeInt,
  health: NonNegativeInt,
});
export type StateVersion = z.infer<typeof StateVersion>;

export const EventFrame = z.strictObject({
  type: z.literal("event"),
  event: NonEmptyString,
  payload: z.unknown().optional(),
  seq: NonNegativeInt.optional(),
  stateVersion: StateVersion.optional(),
});
export type EventFrame = z.infer<typeof EventFrame>;

export const GatewayFrame = z.discriminatedUnion("type", [RequestFrame, ResponseFrame, EventFrame]);
export type GatewayFrame = z.infer<typeof GatewayFrame>;

export const ConnectClient = z.strictObject({
  id: GatewayClientId,
  displayName: NonEmptyString.optional(),
  version: NonEmptyString,
  platform: NonEmptyString,
  deviceFamily: NonEmptyString.optional(),
  modelIdentifier: NonEmptyString.optional(),
  mode: GatewayClientMode,
  instanceId: NonEmptyString.optional(),
});
export type ConnectClient = z.infer<typeof ConnectClient>;

export const DeviceProof = z.strictObject({
  id: NonEmptyString,
  publicKey: NonEmptyString,
  signature: NonEmptyString,
  signedAt: NonNegativeInt,
  nonce: NonEmptyString.optional(),
});
export type DeviceProof = z.infer<typeof DeviceProof>;

export const ConnectParams = z.strictObject({
  minProtocol: z.int().min(1),
  maxProtocol: z.int().min(1),
  client: ConnectClient,
  caps: z.array(NonEmptyString).optional(),
  commands: z.array(NonEmptyString).optional(),
  permissions: z.record(z.string(), z.boolean()).optional(),
  pathEnv: z.string().optional(),
  role: NonEmptyString.optional(),
  scopes: z.array(NonEmptyString).optional(),
  device: DeviceProof.optional(),
  auth: z.strictObject({ token: z.string().optional(), password: z.string().optional() }).optional(),
  locale: z.string().optional(),
  userAgent: z.string().optional(),
});
export type ConnectParams = z.infer<typeof ConnectParams>;

export const PresenceEntry = z.strictObject({
  host: NonEmptyString.optional(),
  ip: NonEmptyString.optional(),
  version: NonEmptyString.optional(),
  platform: NonEmptyString.optional(),
  deviceFamily: NonEmptyString.optional(),
  modelIdentifier: NonEmptyString.optional(),
  mode: NonEmptyString.optional(),
  lastInputSeconds: NonNegativeInt.optional(),
  reason: NonEmptyString.optional(),
  tags: z.array(NonEmptyString).optional(),
  text: z.string().optional(),
  ts: NonNegativeInt,
  deviceId: NonEmptyString.optional(),
  roles: z.array(NonEmptyString).optional(),
  scopes: z.array(NonEmptyString).optional(),
  instanceId: NonEmptyString.optional(),
});
export type PresenceEntry = z.infer<typeof PresenceEntry>;

export const SessionDefaults = z.strictObject({
  defaultAgentId: NonEmptyString,
  mainKey: NonEmptyString,
  mainSessionKey: NonEmptyString,
  scope: NonEmptyString.optional(),
});
export type SessionDefaults = z.infer<typeof SessionDefaults>;

export const Snapshot = z.strictObject({
  presence: z.array(PresenceEntry),
  health: z.unknown(),
  stateVersion: StateVersion,
  uptimeMs: NonNegativeInt,
  configPath: NonEmptyString.optional(),
  stateDir: NonEmptyString.optional(),
  sessionDefaults: SessionDefaults.optional(),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const Policy = z.strictObject({
  maxPayload: z.int().min(1),
  maxBufferedBytes: z.int().min(1),
  tickIntervalMs: z.int().min(1),
});
export type Policy = z.infer<typeof Policy>;

export const HelloOk = z.strictObject({
  type: z.literal("hello-ok"),
  protocol: z.int().min(1),
  server: z.strictObject({
    version: NonEmptyString,
    commit: NonEmptyString.optional(),
    host: NonEmptyString.optional(),
    connId: NonEmptyString,
  }),
  features: z.strictObject({
    methods: z.array(NonEmptyString),
    events: z.array(NonEmptyString),
  }),
  snapshot: Snapshot,
  canvasHostUrl: NonEmptyString.optional(),
  auth: z
    .strictObject({
      deviceToken: NonEmptyString,
      role: NonEmptyString,
      scopes: z.array(NonEmptyString),
      issuedAtMs: NonNegativeInt.optional(),
    })
    .optional(),
  policy: Policy,
});
export type HelloOk = z.infer<typeof HelloOk>;

export const ConnectChallengePayload = z.strictObject({ nonce: NonEmptyString, ts: NonNegativeInt });
export type ConnectChallengePayload = z.infer<typeof ConnectChallengePayload>;

export const TickPayload = z.strictObject({ ts: NonNegativeInt });
export type TickPayload = z.infer<typeof TickPayload>;

/** `restartExpectedMs` is left out, never null, when no restart is expected (ARCHITECTURE §3a). */
export const ShutdownPayload = z.strictObject({
  reason: NonEmptyString,
  restartExpectedMs: NonNegativeInt.optional(),
});
export type ShutdownPayload = z.infer<typeof ShutdownPayload>;
