import * as z from "zod";

// The config file's schema, the single source of the config's type, its defaults, its JSON
// Schema (`config.schema`) and its UI labels. Sections this gateway runs are strict, with the
// original's key names (subsystems §A.11), so a typo is an error as it is in the original.
// Sections of the original that this gateway does not run pass through untouched and are
// reported as warnings. Nested blocks of agent features that only the original's agent runtime
// reads (sandbox, memory search, heartbeat, tools) are kept as they are, not checked key by key.

const block = () => z.record(z.string(), z.unknown());
const logLevel = z.enum(["silent", "fatal", "error", "warn", "info", "debug", "trace"]);
const modelChoice = z.strictObject({ primary: z.string().optional(), fallbacks: z.array(z.string()).optional() });
const secret = (title: string) => z.string().meta({ title, sensitive: true });

const GatewaySection = z.strictObject({
  port: z.number().int().positive().max(65535).default(18789).meta({ title: "Gateway Port" }),
  mode: z.enum(["local", "remote"]).optional(),
  bind: z.enum(["auto", "lan", "loopback", "custom", "tailnet"]).default("loopback").meta({ title: "Bind" }),
  // The original's wizard writes this although its schema refuses it (§A.11 drift); accepted here.
  customBindHost: z.string().optional(),
  controlUi: z
    .strictObject({
      enabled: z.boolean().optional(),
      basePath: z.string().optional(),
      allowInsecureAuth: z.boolean().optional(),
      dangerouslyDisableDeviceAuth: z.boolean().optional(),
      allowedOrigins: z.array(z.string()).optional().meta({ title: "Allowed Browser Origins" }),
    })
    .optional(),
  auth: z
    .strictObject({
      mode: z.enum(["token", "password"]).optional().meta({ title: "Auth Mode" }),
      token: secret("Gateway Token").optional(),
      password: secret("Gateway Password").optional(),
      allowTailscale: z.boolean().optional(),
    })
    .optional(),
  trustedProxies: z.array(z.string()).optional().meta({ title: "Trusted Proxies" }),
  tailscale: z.strictObject({ mode: z.enum(["off", "serve", "funnel"]).optional(), resetOnExit: z.boolean().optional() }).optional(),
  remote: z
    .strictObject({
      url: z.string().optional(),
      transport: z.enum(["ssh", "direct"]).optional(),
      token: secret("Remote Gateway Token").optional(),
      password: secret("Remote Gateway Password").optional(),
      tlsFingerprint: z.string().optional(),
      sshTarget: z.string().optional(),
      sshIdentity: z.string().optional(),
    })
    .optional(),
  reload: z
    .strictObject({
      mode: z.enum(["off", "restart", "hot", "hybrid"]).default("hybrid").meta({ title: "Config Reload Mode" }),
      debounceMs: z.number().int().min(0).default(300).meta({ title: "Config Reload Debounce (ms)" }),
    })
    .prefault({}),
  tls: z
    .looseObject({
      enabled: z.boolean().optional(),
      autoGenerate: z.boolean().optional(),
      certPath: z.string().optional(),
      keyPath: z.string().optional(),
      caPath: z.string().optional(),
    })
    .optional(),
  http: z.strictObject({ endpoints: block().optional() }).optional(),
  nodes: z
    .strictObject({
      browser: z.strictObject({ mode: z.enum(["auto", "manual", "off"]).optional(), node: z.string().optional() }).optional(),
      allowCommands: z.array(z.string()).optional(),
      denyCommands: z.array(z.string()).optional(),
    })
    .optional(),
});

const DiscoverySection = z.strictObject({
  wideArea: z.strictObject({ enabled: z.boolean().optional() }).optional(),
  mdns: z.strictObject({ mode: z.enum(["off", "minimal", "full"]).default("minimal").meta({ title: "mDNS Mode" }) }).prefault({}),
});

const PluginsSection = z.strictObject({
  enabled: z.boolean().optional(),
  allow: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
  load: z.strictObject({ paths: z.array(z.string()).optional() }).optional(),
  slots: z.strictObject({ memory: z.string().optional() }).optional(),
  entries: z.record(z.string(), z.strictObject({ enabled: z.boolean().optional(), config: block().optional() })).optional(),
  installs: z
    .record(
      z.string(),
      z.strictObject({
        source: z.enum(["npm", "archive", "path"]),
        spec: z.string().optional(),
        sourcePath: z.string().optional(),
        installPath: z.string().optional(),
        version: z.string().optional(),
        installedAt: z.string().optional(),
      }),
    )
    .optional(),
});

const SessionReset = z.strictObject({
  mode: z.enum(["daily", "idle"]).optional(),
  atHour: z.number().int().min(0).max(23).optional(),
  idleMinutes: z.number().int().positive().optional(),
});

const SessionSection = z.strictObject({
  scope: z.enum(["per-sender", "global"]).default("per-sender").meta({ title: "Session Scope" }),
  dmScope: z.enum(["main", "per-peer", "per-channel-peer", "per-account-channel-peer"]).optional(),
  identityLinks: z.record(z.string(), z.array(z.string())).optional(),
  resetTriggers: z.array(z.string()).optional(),
  idleMinutes: z.number().int().positive().optional(),
  reset: SessionReset.optional(),
  resetByType: z.strictObject({ dm: SessionReset.optional(), group: SessionReset.optional(), thread: SessionReset.optional() }).optional(),
  resetByChannel: z.record(z.string(), SessionReset).optional(),
  store: z.string().optional(),
  typingIntervalSeconds: z.number().int().positive().optional(),
  typingMode: z.enum(["never", "instant", "thinking", "message"]).optional(),
  mainKey: z.string().default("main").meta({ title: "Main Session Key" }),
  sendPolicy: z
    .strictObject({
      default: z.enum(["allow", "deny"]).optional(),
      rules: z
        .array(
          z.strictObject({
            action: z.enum(["allow", "deny"]),
            match: z
              .strictObject({
                channel: z.string().optional(),
                chatType: z.enum(["direct", "group", "channel"]).optional(),
                keyPrefix: z.string().optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  agentToAgent: z.strictObject({ maxPingPongTurns: z.number().int().min(0).max(5).optional() }).optional(),
});

const Identity = z.strictObject({
  name: z.string().optional(),
  theme: z.string().optional(),
  emoji: z.string().optional(),
  avatar: z.string().optional(),
});

const AgentDefaults = z.strictObject({
  model: modelChoice.optional().meta({ title: "Default Model" }),
  imageModel: modelChoice.optional(),
  models: z.record(z.string(), z.strictObject({ alias: z.string().optional(), params: block().optional() })).optional(),
  workspace: z.string().optional(),
  repoRoot: z.string().optional(),
  skipBootstrap: z.boolean().optional(),
  bootstrapMaxChars: z.number().int().positive().optional(),
  userTimezone: z.string().optional(),
  timeFormat: z.enum(["auto", "12", "24"]).optional(),
  envelopeTimezone: z.string().optional(),
  envelopeTimestamp: z.enum(["on", "off"]).optional(),
  envelopeElapsed: z.enum(["on", "off"]).optional(),
  contextTokens: z.number().int().positive().optional(),
  cliBackends: block().optional(),
  memorySearch: block().optional(),
  contextPruning: block().optional(),
  compaction: block().optional(),
  thinkingDefault: z.enum(["off", "minimal", "low", "medium", "high", "xhigh"]).optional(),
  verboseDefault: z.enum(["off", "on", "full"]).optional(),
  elevatedDefault: z.enum(["off", "on", "ask", "full"]).optional(),
  blockStreamingDefault: z.enum(["off", "on"]).optional(),
  blockStreamingBreak: z.enum(["text_end", "message_end"]).optional(),
  blockStreamingChunk: block().optional(),
  blockStreamingCoalesce: block().optional(),
  humanDelay: block().optional(),
  timeoutSeconds: z.number().int().positive().default(600).meta({ title: "Agent Run Timeout (s)" }),
  mediaMaxMb: z.number().positive().optional(),
  typingIntervalSeconds: z.number().int().positive().optional(),
  typingMode: z.enum(["never", "instant", "thinking", "message"]).optional(),
  heartbeat: block().optional(),
  maxConcurrent: z.number().int().positive().optional(),
  subagents: z
    .strictObject({
      maxConcurrent: z.number().int().positive().optional(),
      archiveAfterMinutes: z.number().int().positive().optional(),
      model: z.union([z.string(), modelChoice]).optional(),
    })
    .optional(),
  sandbox: block().optional(),
});

const AgentEntry = z.strictObject({
  id: z.string().min(1),
  default: z.boolean().optional(),
  name: z.string().optional(),
  workspace: z.string().optional(),
  agentDir: z.string().optional(),
  model: z.union([z.string(), modelChoice]).optional(),
  skills: z.array(z.string()).optional(),
  memorySearch: block().optional(),
  humanDelay: block().optional(),
  heartbeat: block().optional(),
  identity: Identity.optional(),
  groupChat: block().optional(),
  subagents: block().optional(),
  sandbox: block().optional(),
  tools: block().optional(),
});

const AgentsSection = z.strictObject({
  defaults: AgentDefaults.prefault({}),
  list: z.array(AgentEntry).optional(),
});

const ModelApi = z.enum([
  "openai-completions",
  "openai-responses",
  "anthropic-messages",
  "google-generative-ai",
  "github-copilot",
  "bedrock-converse-stream",
]);

const ModelDefinition = z.strictObject({
  id: z.string().min(1),
  // Required by the original; optional here, where a model without a name is listed by its id.
  name: z.string().min(1).optional(),
  api: ModelApi.optional(),
  reasoning: z.boolean().optional(),
  input: z.array(z.enum(["text", "image"])).optional(),
  cost: z
    .strictObject({ input: z.number().optional(), output: z.number().optional(), cacheRead: z.number().optional(), cacheWrite: z.number().optional() })
    .optional(),
  contextWindow: z.number().positive().optional(),
  maxTokens: z.number().positive().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  compat: block().optional(),
});

const ModelProvider = z.strictObject({
  baseUrl: z.string().min(1),
  apiKey: secret("Provider API Key").optional(),
  auth: z.enum(["api-key", "aws-sdk", "oauth", "token"]).optional(),
  api: ModelApi.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  authHeader: z.boolean().optional(),
  models: z.array(ModelDefinition),
});

const ModelsSection = z.strictObject({
  mode: z.enum(["merge", "replace"]).optional(),
  providers: z.record(z.string(), ModelProvider).optional(),
  bedrockDiscovery: block().optional(),
});

const LoggingSection = z.strictObject({
  level: logLevel.optional().meta({ title: "Log Level", description: "Applies to every service at once, without a restart." }),
  file: z.string().optional(),
  consoleLevel: logLevel.optional(),
  consoleStyle: z.enum(["pretty", "compact", "json"]).optional(),
  redactSensitive: z.enum(["off", "tools"]).optional(),
  redactPatterns: z.array(z.string()).optional(),
});

const EnvSection = z
  .object({
    shellEnv: z.strictObject({ enabled: z.boolean().optional(), timeoutMs: z.number().int().nonnegative().optional() }).optional(),
    vars: z.record(z.string(), z.string()).optional(),
  })
  .catchall(z.string());

const UiSection = z.strictObject({
  seamColor: z.string().regex(/^#?[0-9a-fA-F]{6}$/, "expected hex color (RRGGBB)").optional(),
  assistant: z.strictObject({ name: z.string().max(50).optional(), avatar: z.string().max(200).optional() }).optional(),
});

const MetaSection = z.strictObject({ lastTouchedVersion: z.string().optional(), lastTouchedAt: z.string().optional() });

/** Sections of the original this gateway runs, validated key by key. */
export const IMPLEMENTED_SECTIONS = ["gateway", "discovery", "plugins", "session", "agents", "models", "logging", "env", "ui", "meta"] as const;

/** Sections of the original this gateway does not run: kept verbatim, reported as warnings. */
export const KEPT_SECTIONS = [
  "wizard", "diagnostics", "update", "browser", "auth", "nodeHost", "tools", "bindings", "broadcast", "audio", "media",
  "messages", "commands", "approvals", "cron", "hooks", "web", "channels", "canvasHost", "talk", "skills",
] as const;

const kept = z.unknown().optional().meta({ description: "Not run by this gateway; kept as it is." });
const keptShape = Object.fromEntries(KEPT_SECTIONS.map((name) => [name, kept])) as { [K in (typeof KEPT_SECTIONS)[number]]: typeof kept };

export const ConfigSchema = z
  .looseObject({
    $schema: z.string().optional(),
    gateway: GatewaySection.prefault({}),
    discovery: DiscoverySection.prefault({}),
    plugins: PluginsSection.optional(),
    session: SessionSection.prefault({}),
    agents: AgentsSection.prefault({}),
    models: ModelsSection.optional(),
    logging: LoggingSection.optional(),
    env: EnvSection.optional(),
    ui: UiSection.optional(),
    meta: MetaSection.optional(),
    ...keptShape,
  })
  .meta({ title: "ClawdbotConfig" });

/** The config as validated, with schema defaults filled in. Unrun sections are `unknown`. */
export type ClawdbotConfig = z.output<typeof ConfigSchema>;

/** The schema defaults alone: the lowest layer. */
export function configDefaults(): Record<string, unknown> {
  return ConfigSchema.parse({});
}
