import { isPlainObject, type JsonObject } from "./paths.js";

// The original's legacy migrations (subsystems §A.6), in its order, each recording a change
// line in the original's wording. The shared rule: a value moves only when its target is
// unset; otherwise the legacy key is dropped and the change says so.

type Migration = (raw: JsonObject, changes: string[]) => void;

const record = (value: unknown): JsonObject | undefined => (isPlainObject(value) ? value : undefined);

function ensure(parent: JsonObject, key: string): JsonObject {
  const existing = record(parent[key]);
  if (existing) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function mergeMissing(target: JsonObject, source: JsonObject): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const existing = target[key];
    if (existing === undefined) target[key] = value;
    else if (isPlainObject(existing) && isPlainObject(value)) mergeMissing(existing, value);
  }
}

/** Moves `value` to `target[key]` unless already set; records which happened. */
function moveInto(target: JsonObject, key: string, value: unknown, from: string, to: string, changes: string[]): void {
  if (target[key] === undefined) {
    target[key] = value;
    changes.push(`Moved ${from} → ${to}.`);
  } else {
    changes.push(`Removed ${from} (${to} already set).`);
  }
}

function dropIfEmpty(parent: JsonObject, key: string): void {
  const child = record(parent[key]);
  if (child && Object.keys(child).length === 0) delete parent[key];
}

function agentsList(raw: JsonObject): unknown[] {
  const agents = ensure(raw, "agents");
  if (!Array.isArray(agents.list)) agents.list = [];
  return agents.list as unknown[];
}

function agentEntry(list: unknown[], id: string): JsonObject {
  const found = list.find((e): e is JsonObject => isPlainObject(e) && typeof e.id === "string" && e.id.trim() === id);
  if (found) return found;
  const created: JsonObject = { id };
  list.push(created);
  return created;
}

function defaultAgentId(raw: JsonObject): string {
  const list = Array.isArray(record(raw.agents)?.list) ? (record(raw.agents)!.list as unknown[]) : [];
  const ids = list.filter((e): e is JsonObject => isPlainObject(e) && typeof e.id === "string" && e.id.trim() !== "");
  const marked = ids.find((e) => e.default === true);
  if (marked) return (marked.id as string).trim();
  const routingDefault = record(raw.routing)?.defaultAgentId;
  if (typeof routingDefault === "string" && routingDefault.trim()) return routingDefault.trim();
  return ids[0] ? (ids[0].id as string).trim() : "main";
}

/** A `match.<from>` renamed to `match.<to>` in each entry of a list. */
function renameMatchKey(list: unknown, from: string, to: string): boolean {
  if (!Array.isArray(list)) return false;
  let touched = false;
  for (const entry of list) {
    const match = record(record(entry)?.match);
    if (!match || match[from] === undefined) continue;
    const current = match[to];
    if (current === undefined || (typeof current === "string" && !current.trim())) {
      const value = match[from];
      if (typeof value === "string" ? value.trim() : value) {
        match[to] = typeof value === "string" ? value.trim() : value;
        delete match[from];
        touched = true;
      }
    }
  }
  return touched;
}

/** `routing.transcribeAudio` / `audio.transcription` as a media model; only the whisper CLI maps. */
function audioModel(value: unknown): JsonObject | null {
  const command = record(value)?.command;
  if (!Array.isArray(command) || command.length === 0) return null;
  const executable = String(command[0] ?? "").trim();
  if (!executable || executable.split(/[\\/]/).pop() !== "whisper") return null;
  const model: JsonObject = { command: executable, type: "cli" };
  if (command.length > 1) model.args = command.slice(1).map(String);
  const timeout = record(value)?.timeoutSeconds;
  if (typeof timeout === "number") model.timeoutSeconds = timeout;
  return model;
}

function moveAudio(raw: JsonObject, value: unknown, from: string, changes: string[]): void {
  const model = audioModel(value);
  if (!model) {
    changes.push(`Removed ${from} (unsupported transcription CLI).`);
    return;
  }
  const audio = ensure(ensure(ensure(raw, "tools"), "media"), "audio");
  if (Array.isArray(audio.models) && audio.models.length > 0) {
    changes.push(`Removed ${from} (tools.media.audio.models already set).`);
    return;
  }
  audio.enabled = true;
  audio.models = [model];
  changes.push(`Moved ${from} → tools.media.audio.models.`);
}

const MIGRATIONS: Migration[] = [
  (raw, changes) => {
    if (renameMatchKey(raw.bindings, "provider", "channel")) changes.push("Moved bindings[].match.provider → bindings[].match.channel.");
  },
  (raw, changes) => {
    if (renameMatchKey(raw.bindings, "accountID", "accountId")) changes.push("Moved bindings[].match.accountID → bindings[].match.accountId.");
  },
  (raw, changes) => {
    const rules = record(record(raw.session)?.sendPolicy)?.rules;
    if (renameMatchKey(rules, "provider", "channel")) changes.push("Moved session.sendPolicy.rules[].match.provider → match.channel.");
  },
  (raw, changes) => {
    const queue = record(record(raw.messages)?.queue);
    if (!queue || queue.byProvider === undefined) return;
    moveInto(queue, "byChannel", queue.byProvider, "messages.queue.byProvider", "messages.queue.byChannel", changes);
    delete queue.byProvider;
  },
  (raw, changes) => {
    for (const key of ["whatsapp", "telegram", "discord", "slack", "signal", "imessage", "msteams"]) {
      const legacy = record(raw[key]);
      if (!legacy) continue;
      const channel = ensure(ensure(raw, "channels"), key);
      const merged = Object.keys(channel).length > 0;
      mergeMissing(channel, legacy);
      delete raw[key];
      changes.push(merged ? `Merged ${key} → channels.${key}.` : `Moved ${key} → channels.${key}.`);
    }
  },
  (raw, changes) => {
    const routing = record(raw.routing);
    if (!routing || routing.allowFrom === undefined) return;
    const whatsapp = record(record(raw.channels)?.whatsapp);
    if (whatsapp) moveInto(whatsapp, "allowFrom", routing.allowFrom, "routing.allowFrom", "channels.whatsapp.allowFrom", changes);
    else changes.push("Removed routing.allowFrom (channels.whatsapp not configured).");
    delete routing.allowFrom;
    dropIfEmpty(raw, "routing");
  },
  (raw, changes) => {
    const routing = record(raw.routing);
    const groupChat = record(routing?.groupChat);
    if (!routing || !groupChat || groupChat.requireMention === undefined) return;
    const channels = ensure(raw, "channels");
    for (const key of ["whatsapp", "telegram", "imessage"]) {
      if (key === "whatsapp" && !record(channels.whatsapp)) continue;
      const star = ensure(ensure(ensure(channels, key), "groups"), "*");
      moveInto(star, "requireMention", groupChat.requireMention, "routing.groupChat.requireMention", `channels.${key}.groups."*".requireMention`, changes);
    }
    delete groupChat.requireMention;
    dropIfEmpty(routing, "groupChat");
    dropIfEmpty(raw, "routing");
  },
  (raw, changes) => {
    const gateway = record(raw.gateway);
    if (!gateway || gateway.token === undefined) return;
    const auth = ensure(gateway, "auth");
    if (auth.token === undefined) {
      auth.token = gateway.token;
      auth.mode ??= "token";
      changes.push("Moved gateway.token → gateway.auth.token.");
    } else {
      changes.push("Removed gateway.token (gateway.auth.token already set).");
    }
    delete gateway.token;
  },
  (raw, changes) => {
    const telegram = record(record(raw.channels)?.telegram);
    if (!telegram || telegram.requireMention === undefined) return;
    const star = ensure(ensure(telegram, "groups"), "*");
    moveInto(star, "requireMention", telegram.requireMention, "telegram.requireMention", 'channels.telegram.groups."*".requireMention', changes);
    delete telegram.requireMention;
  },
  // agent.model-config-v2: model strings and lists become {primary, fallbacks} and a models map.
  (raw, changes) => {
    const agent = record(raw.agent) ?? record(record(raw.agents)?.defaults);
    if (!agent) return;
    const label = record(raw.agent) ? "agent" : "agents.defaults";
    const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    const model = typeof agent.model === "string" ? agent.model : undefined;
    const imageModel = typeof agent.imageModel === "string" ? agent.imageModel : undefined;
    const allowed = strings(agent.allowedModels);
    const fallbacks = strings(agent.modelFallbacks);
    const imageFallbacks = strings(agent.imageModelFallbacks);
    const aliases = record(agent.modelAliases) ?? {};
    if (!model && !imageModel && !allowed.length && !fallbacks.length && !imageFallbacks.length && !Object.keys(aliases).length) return;
    const models = record(agent.models) ?? {};
    const listModel = (key: unknown) => {
      if (typeof key === "string" && key.trim() && !models[key.trim()]) models[key.trim()] = {};
    };
    [model, imageModel, ...allowed, ...fallbacks, ...imageFallbacks, ...Object.values(aliases)].forEach(listModel);
    for (const [alias, target] of Object.entries(aliases)) {
      if (typeof target !== "string" || !target.trim()) continue;
      const entry = record(models[target.trim()]) ?? {};
      if (!("alias" in entry)) entry.alias = alias;
      models[target.trim()] = entry;
    }
    const choose = (current: unknown, primary: string | undefined, extra: string[]): unknown => {
      const object = record(current);
      if (object) {
        if (!object.primary && primary) object.primary = primary;
        if (extra.length && (!Array.isArray(object.fallbacks) || object.fallbacks.length === 0)) object.fallbacks = extra;
        return object;
      }
      return primary || extra.length ? { primary, fallbacks: extra } : current;
    };
    agent.model = choose(typeof agent.model === "string" ? undefined : agent.model, model, fallbacks);
    agent.imageModel = choose(typeof agent.imageModel === "string" ? undefined : agent.imageModel, imageModel, imageFallbacks);
    if (agent.model === undefined) delete agent.model;
    if (agent.imageModel === undefined) delete agent.imageModel;
    agent.models = models;
    if (model !== undefined) changes.push(`Migrated ${label}.model string → ${label}.model.primary.`);
    if (fallbacks.length) changes.push(`Migrated ${label}.modelFallbacks → ${label}.model.fallbacks.`);
    if (imageModel !== undefined) changes.push(`Migrated ${label}.imageModel string → ${label}.imageModel.primary.`);
    if (imageFallbacks.length) changes.push(`Migrated ${label}.imageModelFallbacks → ${label}.imageModel.fallbacks.`);
    if (allowed.length) changes.push(`Migrated ${label}.allowedModels → ${label}.models.`);
    if (Object.keys(aliases).length) changes.push(`Migrated ${label}.modelAliases → ${label}.models.*.alias.`);
    for (const key of ["allowedModels", "modelAliases", "modelFallbacks", "imageModelFallbacks"]) delete agent[key];
  },
  // routing.agents-v2: per-agent routing entries and the default id move into agents.list.
  (raw, changes) => {
    const routing = record(raw.routing);
    if (!routing) return;
    const routingAgents = record(routing.agents);
    if (routingAgents) {
      const list = agentsList(raw);
      for (const [rawId, value] of Object.entries(routingAgents)) {
        const id = rawId.trim();
        const entry = record(value);
        if (!id || !entry) continue;
        const target = agentEntry(list, id);
        const copy: JsonObject = { ...entry };
        if ("mentionPatterns" in copy) {
          moveInto(ensure(target, "groupChat"), "mentionPatterns", copy.mentionPatterns, `routing.agents.${id}.mentionPatterns`, `agents.list (id "${id}").groupChat.mentionPatterns`, changes);
          delete copy.mentionPatterns;
        }
        const legacyGroupChat = record(copy.groupChat);
        if (legacyGroupChat) {
          mergeMissing(ensure(target, "groupChat"), legacyGroupChat);
          delete copy.groupChat;
        }
        const sandbox = record(copy.sandbox);
        const sandboxTools = record(sandbox?.tools);
        if (sandbox && sandboxTools) {
          mergeMissing(ensure(ensure(ensure(target, "tools"), "sandbox"), "tools"), sandboxTools);
          copy.sandbox = { ...sandbox, tools: undefined };
          delete (copy.sandbox as JsonObject).tools;
          changes.push(`Moved routing.agents.${id}.sandbox.tools → agents.list (id "${id}").tools.sandbox.tools.`);
        }
        mergeMissing(target, copy);
      }
      delete routing.agents;
      changes.push("Moved routing.agents → agents.list.");
    }
    const defaultId = typeof routing.defaultAgentId === "string" ? routing.defaultAgentId.trim() : "";
    if (defaultId) {
      const list = agentsList(raw);
      if (list.some((e) => isPlainObject(e) && e.default === true)) changes.push("Removed routing.defaultAgentId (agents.list default already set).");
      else {
        agentEntry(list, defaultId).default = true;
        changes.push(`Moved routing.defaultAgentId → agents.list (id "${defaultId}").default.`);
      }
      delete routing.defaultAgentId;
    }
    const agents = record(raw.agents);
    if (agents && Array.isArray(agents.list) && agents.list.length === 0) delete agents.list;
    if (agents) dropIfEmpty(raw, "agents");
    dropIfEmpty(raw, "routing");
  },
  // routing.config-v2: the rest of routing moves to bindings, tools, messages.
  (raw, changes) => {
    const routing = record(raw.routing);
    if (routing) {
      if (routing.bindings !== undefined) {
        moveInto(raw, "bindings", routing.bindings, "routing.bindings", "bindings", changes);
        delete routing.bindings;
      }
      if (routing.agentToAgent !== undefined) {
        moveInto(ensure(raw, "tools"), "agentToAgent", routing.agentToAgent, "routing.agentToAgent", "tools.agentToAgent", changes);
        delete routing.agentToAgent;
      }
      if (routing.queue !== undefined) {
        moveInto(ensure(raw, "messages"), "queue", routing.queue, "routing.queue", "messages.queue", changes);
        delete routing.queue;
      }
      const groupChat = record(routing.groupChat);
      if (groupChat) {
        for (const key of ["historyLimit", "mentionPatterns"]) {
          if (groupChat[key] === undefined) continue;
          moveInto(ensure(ensure(raw, "messages"), "groupChat"), key, groupChat[key], `routing.groupChat.${key}`, `messages.groupChat.${key}`, changes);
          delete groupChat[key];
        }
        dropIfEmpty(routing, "groupChat");
      }
      if (routing.transcribeAudio !== undefined) {
        moveAudio(raw, routing.transcribeAudio, "routing.transcribeAudio", changes);
        delete routing.transcribeAudio;
      }
      dropIfEmpty(raw, "routing");
    }
    const audio = record(raw.audio);
    if (audio?.transcription !== undefined) {
      moveAudio(raw, audio.transcription, "audio.transcription", changes);
      delete audio.transcription;
      dropIfEmpty(raw, "audio");
    }
  },
  (raw, changes) => {
    const profile = record(record(record(raw.auth)?.profiles)?.["anthropic:claude-cli"]);
    if (profile?.mode !== "token") return;
    profile.mode = "oauth";
    changes.push('Updated auth.profiles["anthropic:claude-cli"].mode → "oauth".');
  },
  (raw, changes) => {
    const tools = record(raw.tools);
    const bash = record(tools?.bash);
    if (!tools || !bash) return;
    moveInto(tools, "exec", bash, "tools.bash", "tools.exec", changes);
    delete tools.bash;
  },
  (raw, changes) => {
    const tts = record(record(raw.messages)?.tts);
    if (!tts || !("enabled" in tts)) return;
    if (tts.auto !== undefined) {
      delete tts.enabled;
      changes.push("Removed messages.tts.enabled (messages.tts.auto already set).");
    } else if (typeof tts.enabled === "boolean") {
      tts.auto = tts.enabled ? "always" : "off";
      delete tts.enabled;
      changes.push(`Moved messages.tts.enabled → messages.tts.auto (${String(tts.auto)}).`);
    }
  },
  // agent.defaults-v2: the whole `agent` section moves to agents.defaults, tool settings to tools.
  (raw, changes) => {
    const agent = record(raw.agent);
    if (!agent) return;
    const copy = structuredClone(agent);
    const tools = () => ensure(raw, "tools");
    const agentTools = record(copy.tools);
    for (const key of ["allow", "deny"]) {
      if (agentTools?.[key] !== undefined && tools()[key] === undefined) {
        tools()[key] = agentTools[key];
        changes.push(`Moved agent.tools.${key} → tools.${key}.`);
      }
    }
    if (record(copy.elevated)) moveInto(tools(), "elevated", copy.elevated, "agent.elevated", "tools.elevated", changes);
    if (record(copy.bash)) moveInto(tools(), "exec", copy.bash, "agent.bash", "tools.exec", changes);
    for (const key of ["sandbox", "subagents"]) {
      const nested = record(copy[key]);
      const nestedTools = record(nested?.tools);
      if (!nested || !nestedTools) continue;
      mergeMissing(ensure(ensure(tools(), key), "tools"), nestedTools);
      delete nested.tools;
      changes.push(`Moved agent.${key}.tools → tools.${key}.tools.`);
    }
    delete copy.tools;
    delete copy.elevated;
    delete copy.bash;
    const agents = ensure(raw, "agents");
    const defaults = ensure(agents, "defaults");
    mergeMissing(defaults, copy);
    delete raw.agent;
    changes.push("Moved agent → agents.defaults.");
  },
  (raw, changes) => {
    const identity = record(raw.identity);
    if (!identity) return;
    const id = defaultAgentId(raw);
    const entry = agentEntry(agentsList(raw), id);
    if (entry.identity === undefined) {
      entry.identity = identity;
      changes.push(`Moved identity → agents.list (id "${id}").identity.`);
    } else {
      changes.push("Removed identity (agents.list identity already set).");
    }
    delete raw.identity;
  },
];

/** Applies every migration to a copy of the parsed (pre-include) config. */
export function migrateLegacyConfig(parsed: JsonObject): { config: JsonObject; changes: string[] } {
  const config = structuredClone(parsed);
  const changes: string[] = [];
  for (const migrate of MIGRATIONS) migrate(config, changes);
  return { config, changes };
}
