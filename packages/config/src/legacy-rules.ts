import type { ConfigIssue } from "@clawdbot/protocol";
import { getAt } from "./paths.js";

interface LegacyRule {
  path: string[];
  message: string;
  match?: (value: unknown) => boolean;
}

const moved = (from: string, to: string) => `${from} was moved; use ${to} instead (auto-migrated on load).`;
const CHANNELS = ["whatsapp", "telegram", "discord", "slack", "signal", "imessage", "msteams"];

/** Old shapes of the original's config (subsystems §A.6), each with the message the original gives. */
const RULES: LegacyRule[] = [
  ...CHANNELS.map((c) => ({ path: [c], message: `${c} config moved to channels.${c} (auto-migrated on load).` })),
  { path: ["routing", "allowFrom"], message: "routing.allowFrom was removed; use channels.whatsapp.allowFrom instead (auto-migrated on load)." },
  { path: ["routing", "bindings"], message: moved("routing.bindings", "top-level bindings") },
  { path: ["routing", "agents"], message: moved("routing.agents", "agents.list") },
  { path: ["routing", "defaultAgentId"], message: moved("routing.defaultAgentId", "agents.list[].default") },
  { path: ["routing", "agentToAgent"], message: moved("routing.agentToAgent", "tools.agentToAgent") },
  {
    path: ["routing", "groupChat", "requireMention"],
    message: 'routing.groupChat.requireMention was removed; use channels.<channel>.groups."*".requireMention instead (auto-migrated on load).',
  },
  { path: ["routing", "groupChat", "mentionPatterns"], message: moved("routing.groupChat.mentionPatterns", "messages.groupChat.mentionPatterns") },
  { path: ["routing", "queue"], message: moved("routing.queue", "messages.queue") },
  { path: ["routing", "transcribeAudio"], message: moved("routing.transcribeAudio", "tools.media.audio.models") },
  { path: ["telegram", "requireMention"], message: 'telegram.requireMention was removed; use channels.telegram.groups."*".requireMention instead (auto-migrated on load).' },
  { path: ["identity"], message: moved("identity", "agents.list[].identity") },
  { path: ["agent"], message: "agent.* was moved; use agents.defaults (and tools.* for tool/elevated/exec settings) instead (auto-migrated on load)." },
  { path: ["tools", "bash"], message: "tools.bash was removed; use tools.exec instead (auto-migrated on load)." },
  {
    path: ["agent", "model"],
    message: "agent.model string was replaced by agents.defaults.model.primary/fallbacks and agents.defaults.models (auto-migrated on load).",
    match: (v) => typeof v === "string",
  },
  {
    path: ["agent", "imageModel"],
    message: "agent.imageModel string was replaced by agents.defaults.imageModel.primary/fallbacks (auto-migrated on load).",
    match: (v) => typeof v === "string",
  },
  { path: ["agent", "allowedModels"], message: "agent.allowedModels was replaced by agents.defaults.models (auto-migrated on load)." },
  { path: ["agent", "modelAliases"], message: "agent.modelAliases was replaced by agents.defaults.models.*.alias (auto-migrated on load)." },
  { path: ["agent", "modelFallbacks"], message: "agent.modelFallbacks was replaced by agents.defaults.model.fallbacks (auto-migrated on load)." },
  { path: ["agent", "imageModelFallbacks"], message: "agent.imageModelFallbacks was replaced by agents.defaults.imageModel.fallbacks (auto-migrated on load)." },
  { path: ["messages", "tts", "enabled"], message: "messages.tts.enabled was replaced by messages.tts.auto (auto-migrated on load)." },
  { path: ["gateway", "token"], message: "gateway.token is ignored; use gateway.auth.token instead (auto-migrated on load)." },
  // Not flagged by the original, which silently accepts a string here; our schema wants {primary}.
  {
    path: ["agents", "defaults", "model"],
    message: "agents.defaults.model string was replaced by agents.defaults.model.primary (auto-migrated on load).",
    match: (v) => typeof v === "string",
  },
];

/** The legacy shapes present in a parsed config; a config with any is invalid until migrated. */
export function findLegacyIssues(parsed: unknown): ConfigIssue[] {
  return RULES.flatMap((rule) => {
    const value = getAt(parsed, rule.path);
    if (value === undefined || (rule.match && !rule.match(value))) return [];
    return [{ path: rule.path.join("."), message: rule.message }];
  });
}
