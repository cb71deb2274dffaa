import { readFileSync, statSync } from "node:fs";
import { resolveConfigPath } from "@clawdbot/runtime";
import JSON5 from "json5";
import { DEFAULT_AGENT_ID, type SessionKeyConfig, normalizeAgentId, normalizeMainKey } from "./session-keys.js";

// The parts of the config the session-manager reads: agents, the session scope and main key,
// and model providers. The config-service owns layering (defaults < file < env < runtime
// overrides) and validation, and publishes the effective config on the bus; this follows it
// when given one, and reads the file itself while nothing is published (no config-service).

export interface AgentConfig {
  id: string;
  name?: string;
  default?: boolean;
  identity?: { name?: string; theme?: string; emoji?: string; avatar?: string; avatarUrl?: string };
}

export interface ModelConfig {
  id: string;
  name?: string;
  contextWindow?: number;
  reasoning?: boolean;
}

/** One OpenAI-compatible endpoint (`models.providers.<id>`): a hosted API, Ollama, vLLM, LM Studio. */
export interface ProviderConfig {
  id: string;
  baseUrl?: string;
  apiKey?: string;
  api?: string;
  models: ModelConfig[];
}

export interface ModelRef {
  provider: string;
  model: string;
}

export interface GatewayView {
  keys: SessionKeyConfig;
  agents: AgentConfig[];
  /** `agents.defaults.model` (a `provider/model` string or `{primary}`), or null when unset. */
  defaultModel: ModelRef | null;
  providers: Map<string, ProviderConfig>;
  thinkingDefault: string | undefined;
  /** `agents.defaults.timeoutSeconds`, default 600 (spec §7.5). */
  timeoutSeconds: number;
  /** `ui.assistant` overrides of the assistant's name and avatar. */
  assistant: { name?: string; avatar?: string };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** Reads the view from a parsed config object; anything malformed falls back to defaults. */
export function viewFromConfig(raw: unknown): GatewayView {
  const cfg = obj(raw);
  const agentsSection = obj(cfg.agents);
  const defaults = obj(agentsSection.defaults);
  const agents: AgentConfig[] = (Array.isArray(agentsSection.list) ? agentsSection.list : []).flatMap((a): AgentConfig[] => {
    const entry = obj(a);
    const id = str(entry.id);
    if (!id) return [];
    const identity = obj(entry.identity);
    return [
      {
        id: normalizeAgentId(id),
        ...(str(entry.name) ? { name: str(entry.name) } : {}),
        ...(entry.default === true ? { default: true } : {}),
        ...(Object.keys(identity).length > 0 ? { identity: identity } : {}),
      },
    ];
  });
  const session = obj(cfg.session);
  const providers = new Map<string, ProviderConfig>();
  for (const [id, value] of Object.entries(obj(obj(cfg.models).providers))) {
    const p = obj(value);
    const models = (Array.isArray(p.models) ? p.models : []).flatMap((m): ModelConfig[] => {
      const model = obj(m);
      const modelId = str(model.id);
      if (!modelId) return [];
      return [
        {
          id: modelId,
          ...(str(model.name) ? { name: str(model.name) } : {}),
          ...(typeof model.contextWindow === "number" && model.contextWindow >= 1 ? { contextWindow: Math.floor(model.contextWindow) } : {}),
          ...(typeof model.reasoning === "boolean" ? { reasoning: model.reasoning } : {}),
        },
      ];
    });
    providers.set(id, { id, baseUrl: str(p.baseUrl), apiKey: str(p.apiKey), api: str(p.api), models });
  }
  const modelSetting = typeof defaults.model === "string" ? defaults.model : str(obj(defaults.model).primary);
  const ui = obj(obj(cfg.ui).assistant);
  const timeout = defaults.timeoutSeconds;
  return {
    keys: {
      defaultAgentId: (agents.find((a) => a.default) ?? agents[0])?.id ?? DEFAULT_AGENT_ID,
      mainKey: normalizeMainKey(str(session.mainKey)),
      scope: session.scope === "global" ? "global" : "per-sender",
    },
    agents,
    defaultModel: modelSetting ? parseModelRef(modelSetting, providers) : null,
    providers,
    thinkingDefault: str(defaults.thinkingDefault),
    timeoutSeconds: typeof timeout === "number" && timeout >= 0 ? timeout : 600,
    assistant: { name: str(ui.name), avatar: str(ui.avatar) },
  };
}

/** `provider/model`; a bare model id names the provider that lists it, else the echo provider. */
export function parseModelRef(ref: string, providers: Map<string, ProviderConfig>): ModelRef {
  const trimmed = ref.trim();
  const slash = trimmed.indexOf("/");
  if (slash > 0) return { provider: trimmed.slice(0, slash), model: trimmed.slice(slash + 1) };
  for (const p of providers.values()) if (p.models.some((m) => m.id === trimmed)) return { provider: p.id, model: trimmed };
  return { provider: "echo", model: trimmed };
}

/**
 * The effective config as published by config-service; `watchEffectiveConfig()` of
 * `@clawdbot/config` is one. Only what the view needs, so this module stays free of the bus.
 */
export interface PublishedConfigView {
  readonly current: { readonly config: unknown; readonly revision: number } | null;
}

/**
 * The config the handlers read. With a published effective config (config-service running),
 * that one, so env layering, runtime overrides and validation apply here too and every change
 * shows at once. Without one, the config file, re-read when its mtime changes, so edits apply
 * without a restart; a file that is missing or does not parse gives the defaults (the
 * config-service reports the issue).
 */
const FILE_RECHECK_MS = 1_000;

export class ConfigSource {
  readonly #stateDir: string;
  readonly #explicitPath: string | undefined;
  readonly #published: PublishedConfigView | undefined;
  #stamp = "";
  #view: GatewayView = viewFromConfig({});
  #fileCheckedAt = -Infinity;

  constructor(stateDir: string, explicitPath: string | undefined, published?: PublishedConfigView) {
    this.#stateDir = stateDir;
    this.#explicitPath = explicitPath;
    this.#published = published;
  }

  current(): GatewayView {
    const published = this.#published?.current;
    const stamp = published ? `published:${published.revision}` : this.#throttledFileStamp();
    if (stamp !== this.#stamp) {
      this.#stamp = stamp;
      this.#view = published ? viewFromConfig(published.config) : this.#readFile(stamp);
    }
    return this.#view;
  }

  /**
   * Without config-service the file is the source; it is looked at no more than once a second,
   * because a stat per call was a third of this service's CPU on cheap methods.
   */
  #throttledFileStamp(): string {
    const now = Date.now();
    if (now - this.#fileCheckedAt < FILE_RECHECK_MS && !this.#stamp.startsWith("published:") && this.#stamp) return this.#stamp;
    this.#fileCheckedAt = now;
    return this.#fileStamp();
  }

  #fileStamp(): string {
    const path = resolveConfigPath(this.#stateDir, this.#explicitPath);
    try {
      const st = statSync(path);
      return `${path}:${st.mtimeMs}:${st.size}`;
    } catch {
      return `${path}:missing`;
    }
  }

  #readFile(stamp: string): GatewayView {
    if (stamp.endsWith(":missing")) return viewFromConfig({});
    try {
      return viewFromConfig(JSON5.parse(readFileSync(resolveConfigPath(this.#stateDir, this.#explicitPath), "utf8")));
    } catch {
      return viewFromConfig({});
    }
  }
}
