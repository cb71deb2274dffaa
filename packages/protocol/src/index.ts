export { DEFAULT_GATEWAY_PORT, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_NATS_PREFIX, DEFAULT_POLICY, PROTOCOL_VERSION } from "./constants.js";
export { GATEWAY_CLIENT_IDS, GATEWAY_CLIENT_MODES, GatewayClientId, GatewayClientMode, isControlUiClient } from "./client-info.js";
export {
  ConnectChallengePayload,
  ConnectClient,
  ConnectParams,
  DeviceProof,
  ErrorShape,
  EventFrame,
  GatewayFrame,
  HelloOk,
  Policy,
  PresenceEntry,
  RequestFrame,
  ResponseFrame,
  SessionDefaults,
  ShutdownPayload,
  Snapshot,
  StateVersion,
  TickPayload,
} from "./frames.js";
export { ErrorCodes, ErrorKinds, GatewayError, invalidRequest, unavailable } from "./errors.js";
export type { ErrorCode, ErrorKind, GatewayErrorOptions, JsonRpcError } from "./errors.js";
export { ROLES, Role, SCOPES, Scope, MethodAccess, authorize, defaultScopes, methodAccess } from "./scopes.js";
export { GATEWAY_EVENTS, eventAccess, eventGuard } from "./events.js";
export type { GatewayEventName } from "./events.js";
export { isRoutableMethod, natsNames } from "./subjects.js";
export type { NatsNames } from "./subjects.js";
export { ANNOUNCEMENT_MEMORY_MS, ANNOUNCEMENT_MISSED_BEATS, ServiceAnnouncement, isAnnouncementLive } from "./registry.js";
export { BASE_METHODS, EXTRA_METHODS, isKnownMethod, methodDefinition, methods } from "./methods/index.js";
export type { MethodDefinition, MethodName, MethodParams, MethodResult } from "./methods/index.js";
export {
  ConfigApplyParams,
  ConfigChangeSource,
  ConfigChangedEvent,
  ConfigGetParams,
  ConfigIssue,
  ConfigLayer,
  ConfigOverrideClearParams,
  ConfigOverrideResult,
  ConfigOverrideSetParams,
  ConfigPatchParams,
  ConfigReloadMode,
  ConfigReloadPlan,
  ConfigSchemaParams,
  ConfigSchemaResult,
  ConfigSetParams,
  ConfigSnapshot,
  ConfigUiHint,
  ConfigWriteResult,
} from "./methods/config.js";
export {
  PluginDiagnostic,
  PluginInfo,
  PluginManifestRecord,
  PluginMethodInfo,
  PluginMethodScope,
  PluginOrigin,
  PluginState,
  PluginSummary,
  PluginsDisableParams,
  PluginsDisableResult,
  PluginsEnableParams,
  PluginsEnableResult,
  PluginsInfoParams,
  PluginsListParams,
  PluginsListResult,
} from "./methods/plugins.js";
export { SessionRow, SessionsListParams, SessionsListResult } from "./methods/sessions.js";
export { formatParamsIssues } from "./issues.js";
export { DEVICE_SIGNATURE_SKEW_MS, PAIRING_REQUEST_TTL_MS, deviceAuthPayload, deviceAuthPayloadV3 } from "./device-auth.js";
export {
  DEVICE_SIGNATURE_SKEW_MS_V4,
  MAX_PENDING_HANDSHAKE_FRAMES_V4,
  POLICY_V4,
  PREAUTH_MAX_PAYLOAD_BYTES,
  PROTOCOL_V3,
  PROTOCOL_V4,
  SUPPORTED_PROTOCOLS,
  negotiateProtocol,
} from "./versions.js";
export type { ProtocolVersion } from "./versions.js";
export type { AnyHelloOk } from "./frames-v4.js";
export {
  AUTH_METHODS_V4,
  ConnectAuthV4,
  ConnectChallengePayloadV4,
  ConnectClientV4,
  ConnectParamsAny,
  ConnectParamsV4,
  DeviceProofV4,
  EventFrameV4,
  GATEWAY_CLIENT_IDS_V4,
  GatewayFrameV4,
  GATEWAY_CLIENT_MODES_V4,
  HelloAuthV4,
  HelloOkV4,
  PolicyV4,
  RequestFrameV4,
  SnapshotV4,
} from "./frames-v4.js";
export {
  METHODS_REMOVED_IN_V4,
  SCOPES_V4,
  accessFromV3,
  authorizeV4,
  eventAccessV4,
  mayReceiveEventV4,
  methodAccessV4,
  scopeSatisfied,
} from "./access-v4.js";
export type { AccessV4, DenialV4 } from "./access-v4.js";
export type { DeviceAuthFields } from "./device-auth.js";
export {
  DevicePairApproveParams,
  DevicePairApproveResult,
  DevicePairListParams,
  DevicePairListResult,
  DevicePairRejectParams,
  DevicePairRejectResult,
  DevicePairResolved,
  DevicePairingRequest,
  DeviceToken,
  DeviceTokenRevokeParams,
  DeviceTokenRevokeResult,
  DeviceTokenRotateParams,
  DeviceTokenRotateResult,
  DeviceTokenSummary,
  PairedDevice,
  PairedDeviceSummary,
} from "./methods/devices.js";
export { EVENTS_REPLAY_MAX, EventsGoneDetails, EventsReplayParams, EventsReplayResult } from "./methods/events.js";
export { protocolJsonSchemas } from "./json-schema.js";
export { EdgeBeat, PRESENCE_MAX_ENTRIES, PRESENCE_TTL_MS, PresenceRecord } from "./presence.js";
export {
  SessionEntry,
  SessionPreview,
  SessionPreviewItem,
  SessionsCompactParams,
  SessionsCompactResult,
  SessionsDeleteParams,
  SessionsDeleteResult,
  SessionsPatchParams,
  SessionsPatchResult,
  SessionsPreviewParams,
  SessionsPreviewResult,
  SessionsResetParams,
  SessionsResetResult,
  SessionsResolveParams,
  SessionsResolveResult,
} from "./methods/sessions.js";
export {
  ChatAbortParams,
  ChatAbortResult,
  ChatEvent,
  ChatEventV4,
  ChatHistoryParams,
  ChatHistoryResult,
  ChatInjectParams,
  ChatInjectResult,
  ChatSendAck,
  ChatSendParams,
  ChatSendResult,
} from "./methods/chat.js";
export {
  AgentEvent,
  AgentIdentity,
  AgentIdentityParams,
  AgentIdentityResult,
  AgentParams,
  AgentResult,
  AgentWaitParams,
  AgentWaitResult,
  AgentsListParams,
  AgentsListResult,
  ModelChoice,
  ModelsListParams,
  ModelsListResult,
} from "./methods/agent.js";
export { DEFAULT_BACKOFF, GatewayClient, TICK_TIMEOUT, backoffDelay, createGatewayClient } from "./client/index.js";
export type {
  AgentEventPayload,
  BackoffOptions,
  CallArgs,
  CallMethod,
  CallOptions,
  CallResult,
  ChatEventPayload,
  ClientState,
  CloseInfo,
  EventHandler,
  EventName,
  EventPayload,
  GatewayClientOptions,
  GatewayEvent,
  GatewayEventPayloads,
  HealthEventPayload,
  WebSocketConstructor,
  WebSocketLike,
} from "./client/index.js";
