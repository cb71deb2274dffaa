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
export { GATEWAY_EVENTS, eventGuard } from "./events.js";
export type { GatewayEventName } from "./events.js";
export { isRoutableMethod, natsNames } from "./subjects.js";
export type { NatsNames } from "./subjects.js";
export { ANNOUNCEMENT_MEMORY_MS, ANNOUNCEMENT_MISSED_BEATS, ServiceAnnouncement, isAnnouncementLive } from "./registry.js";
export { BASE_METHODS, EXTRA_METHODS, isKnownMethod, methodDefinition, methods } from "./methods/index.js";
export type { MethodDefinition, MethodName, MethodParams, MethodResult } from "./methods/index.js";
export { ConfigGetParams, ConfigIssue, ConfigSnapshot } from "./methods/config.js";
export { PluginSummary, PluginsListParams, PluginsListResult } from "./methods/plugins.js";
export { SessionRow, SessionsListParams, SessionsListResult } from "./methods/sessions.js";
export { formatParamsIssues } from "./issues.js";
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
