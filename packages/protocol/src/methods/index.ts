import type * as z from "zod";
import {
  ConfigApplyParams, ConfigGetParams, ConfigOverrideClearParams, ConfigOverrideResult, ConfigOverrideSetParams, ConfigPatchParams, ConfigSchemaParams,
  ConfigSchemaResult, ConfigSetParams, ConfigSnapshot, ConfigWriteResult,
} from "./config.js";
import {
  PluginInfo, PluginsDisableParams, PluginsDisableResult, PluginsEnableParams, PluginsEnableResult, PluginsInfoParams, PluginsListParams,
  PluginsListResult,
} from "./plugins.js";
import { SessionsListParams, SessionsListResult } from "./sessions.js";
import {
  SessionsCompactParams, SessionsCompactResult, SessionsDeleteParams, SessionsDeleteResult, SessionsPatchParams, SessionsPatchResult,
  SessionsPreviewParams, SessionsPreviewResult, SessionsResetParams, SessionsResetResult, SessionsResolveParams, SessionsResolveResult,
} from "./sessions.js";
import { ChatAbortParams, ChatAbortResult, ChatHistoryParams, ChatHistoryResult, ChatInjectParams, ChatInjectResult, ChatSendParams, ChatSendResult } from "./chat.js";
import {
  AgentIdentityParams, AgentIdentityResult, AgentParams, AgentResult, AgentWaitParams, AgentWaitResult, AgentsListParams, AgentsListResult,
  ModelsListParams, ModelsListResult,
} from "./agent.js";
import {
  DevicePairApproveParams, DevicePairApproveResult, DevicePairListParams, DevicePairListResult, DevicePairRejectParams, DevicePairRejectResult,
  DeviceTokenRevokeParams, DeviceTokenRevokeResult, DeviceTokenRotateParams, DeviceTokenRotateResult,
} from "./devices.js";
import { EventsReplayParams, EventsReplayResult } from "./events.js";

export interface MethodDefinition<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
}

/**
 * Methods with known params and result schemas. Services validate params against it, the typed
 * client infers from it, and JSON Schema is emitted from it. Later work adds families here.
 */
export const methods = {
  "sessions.list": { params: SessionsListParams, result: SessionsListResult },
  "config.get": { params: ConfigGetParams, result: ConfigSnapshot },
  "config.schema": { params: ConfigSchemaParams, result: ConfigSchemaResult },
  "config.set": { params: ConfigSetParams, result: ConfigWriteResult },
  "config.patch": { params: ConfigPatchParams, result: ConfigWriteResult },
  "config.apply": { params: ConfigApplyParams, result: ConfigWriteResult },
  "config.override.set": { params: ConfigOverrideSetParams, result: ConfigOverrideResult },
  "config.override.clear": { params: ConfigOverrideClearParams, result: ConfigOverrideResult },
  "plugins.list": { params: PluginsListParams, result: PluginsListResult },
  "plugins.info": { params: PluginsInfoParams, result: PluginInfo },
  "plugins.enable": { params: PluginsEnableParams, result: PluginsEnableResult },
  "plugins.disable": { params: PluginsDisableParams, result: PluginsDisableResult },
  "sessions.preview": { params: SessionsPreviewParams, result: SessionsPreviewResult },
  "sessions.resolve": { params: SessionsResolveParams, result: SessionsResolveResult },
  "sessions.patch": { params: SessionsPatchParams, result: SessionsPatchResult },
  "sessions.reset": { params: SessionsResetParams, result: SessionsResetResult },
  "sessions.delete": { params: SessionsDeleteParams, result: SessionsDeleteResult },
  "sessions.compact": { params: SessionsCompactParams, result: SessionsCompactResult },
  "chat.history": { params: ChatHistoryParams, result: ChatHistoryResult },
  "chat.send": { params: ChatSendParams, result: ChatSendResult },
  "chat.abort": { params: ChatAbortParams, result: ChatAbortResult },
  "chat.inject": { params: ChatInjectParams, result: ChatInjectResult },
  agent: { params: AgentParams, result: AgentResult },
  "agent.wait": { params: AgentWaitParams, result: AgentWaitResult },
  "agent.identity.get": { params: AgentIdentityParams, result: AgentIdentityResult },
  "agents.list": { params: AgentsListParams, result: AgentsListResult },
  "models.list": { params: ModelsListParams, result: ModelsListResult },
  "device.pair.list": { params: DevicePairListParams, result: DevicePairListResult },
  "device.pair.approve": { params: DevicePairApproveParams, result: DevicePairApproveResult },
  "device.pair.reject": { params: DevicePairRejectParams, result: DevicePairRejectResult },
  "device.token.rotate": { params: DeviceTokenRotateParams, result: DeviceTokenRotateResult },
  "device.token.revoke": { params: DeviceTokenRevokeParams, result: DeviceTokenRevokeResult },
  "events.replay": { params: EventsReplayParams, result: EventsReplayResult },
} as const satisfies Record<string, MethodDefinition>;

export type MethodName = keyof typeof methods;
export type MethodParams<M extends MethodName> = z.input<(typeof methods)[M]["params"]>;
export type MethodResult<M extends MethodName> = z.output<(typeof methods)[M]["result"]>;

export function methodDefinition(method: string): MethodDefinition | undefined {
  return Object.hasOwn(methods, method) ? methods[method as MethodName] : undefined;
}

/** The original's advertised base method list (spec §7.0). */
export const BASE_METHODS = [
  "health", "logs.tail", "channels.status", "channels.logout", "status", "usage.status", "usage.cost",
  "tts.status", "tts.providers", "tts.enable", "tts.disable", "tts.convert", "tts.setProvider",
  "config.get", "config.set", "config.apply", "config.patch", "config.schema",
  "exec.approvals.get", "exec.approvals.set", "exec.approvals.node.get", "exec.approvals.node.set",
  "exec.approval.request", "exec.approval.resolve",
  "wizard.start", "wizard.next", "wizard.cancel", "wizard.status", "talk.mode",
  "models.list", "agents.list", "skills.status", "skills.bins", "skills.install", "skills.update",
  "update.run", "voicewake.get", "voicewake.set",
  "sessions.list", "sessions.preview", "sessions.patch", "sessions.reset", "sessions.delete", "sessions.compact",
  "last-heartbeat", "set-heartbeats", "wake",
  "node.pair.request", "node.pair.list", "node.pair.approve", "node.pair.reject", "node.pair.verify",
  "device.pair.list", "device.pair.approve", "device.pair.reject", "device.token.rotate", "device.token.revoke",
  "node.rename", "node.list", "node.describe", "node.invoke", "node.invoke.result", "node.event",
  "cron.list", "cron.status", "cron.add", "cron.update", "cron.remove", "cron.run", "cron.runs",
  "system-presence", "system-event", "send", "agent", "agent.identity.get", "agent.wait",
  "browser.request", "chat.history", "chat.abort", "chat.send",
] as const;

/** Handlers the original has but does not advertise, plus the methods this gateway adds. */
export const EXTRA_METHODS = [
  "chat.inject", "sessions.resolve", "poll",
  "plugins.list", "plugins.info", "plugins.enable", "plugins.disable",
  "config.override.set", "config.override.clear",
  "events.replay",
] as const;

const knownMethods = new Set<string>([...BASE_METHODS, ...EXTRA_METHODS, ...Object.keys(methods)]);

/** Known to the protocol: nobody serving it is an outage (UNAVAILABLE), not an unknown method. */
export function isKnownMethod(method: string): boolean {
  return knownMethods.has(method);
}
