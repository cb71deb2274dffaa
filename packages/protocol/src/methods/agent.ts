import * as z from "zod";

// `agent`, `agent.wait`, and the agents/models catalog (spec §7.7, §7.8).

const NonEmpty = z.string().min(1);

export const AgentParams = z.strictObject({
  message: NonEmpty,
  agentId: NonEmpty.optional(),
  to: z.string().optional(),
  replyTo: z.string().optional(),
  sessionId: z.string().optional(),
  sessionKey: z.string().optional(),
  thinking: z.string().optional(),
  deliver: z.boolean().optional(),
  attachments: z.array(z.unknown()).optional(),
  channel: z.string().optional(),
  replyChannel: z.string().optional(),
  accountId: z.string().optional(),
  replyAccountId: z.string().optional(),
  threadId: z.string().optional(),
  groupId: z.string().optional(),
  groupChannel: z.string().optional(),
  groupSpace: z.string().optional(),
  timeout: z.int().min(0).optional(),
  lane: z.string().optional(),
  extraSystemPrompt: z.string().optional(),
  idempotencyKey: NonEmpty,
  label: z.string().min(1).max(64).optional(),
  spawnedBy: z.string().optional(),
});
export type AgentParams = z.infer<typeof AgentParams>;

/** The interim answer (`status: "accepted"`) and the final one share the request id. */
export const AgentResult = z.looseObject({
  runId: z.string(),
  status: z.enum(["accepted", "ok", "error"]),
  acceptedAt: z.number().optional(),
  summary: z.string().optional(),
  result: z.unknown().optional(),
});
export type AgentResult = z.infer<typeof AgentResult>;

export const AgentWaitParams = z.strictObject({ runId: NonEmpty, timeoutMs: z.int().min(0).optional() });
export type AgentWaitParams = z.infer<typeof AgentWaitParams>;
export const AgentWaitResult = z.object({
  runId: z.string(),
  status: z.enum(["ok", "error", "timeout"]),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  error: z.string().optional(),
});
export type AgentWaitResult = z.infer<typeof AgentWaitResult>;

/** The `agent` event payload (spec §6.3). The original adds `sessionKey`, which its own schema lacks. */
export const AgentEvent = z.object({
  runId: NonEmpty,
  seq: z.int().min(0),
  stream: NonEmpty,
  ts: z.int().min(0),
  data: z.record(z.string(), z.unknown()),
  sessionKey: z.string().optional(),
});
export type AgentEvent = z.infer<typeof AgentEvent>;

export const AgentIdentity = z.object({
  name: z.string().optional(),
  theme: z.string().optional(),
  emoji: z.string().optional(),
  avatar: z.string().optional(),
  avatarUrl: z.string().optional(),
});
export const AgentsListParams = z.strictObject({});
export const AgentsListResult = z.object({
  defaultId: NonEmpty,
  mainKey: NonEmpty,
  scope: z.enum(["per-sender", "global"]),
  agents: z.array(z.object({ id: NonEmpty, name: z.string().optional(), identity: AgentIdentity.optional() })),
});
export type AgentsListResult = z.infer<typeof AgentsListResult>;

export const AgentIdentityParams = z.strictObject({ agentId: NonEmpty.optional(), sessionKey: NonEmpty.optional() });
export const AgentIdentityResult = z.object({ agentId: NonEmpty, name: z.string().optional(), avatar: z.string().optional() });
export type AgentIdentityResult = z.infer<typeof AgentIdentityResult>;

export const ModelChoice = z.object({
  id: NonEmpty,
  name: NonEmpty,
  provider: NonEmpty,
  contextWindow: z.int().min(1).optional(),
  reasoning: z.boolean().optional(),
});
export type ModelChoice = z.infer<typeof ModelChoice>;
export const ModelsListParams = z.strictObject({});
export const ModelsListResult = z.object({ models: z.array(ModelChoice) });
export type ModelsListResult = z.infer<typeof ModelsListResult>;
