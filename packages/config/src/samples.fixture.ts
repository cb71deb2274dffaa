import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// Config files as users of the original write them: JSON5 with comments, sections this gateway
// does not run, secrets by reference, includes.

/** A complete single-file config from a long-running install. */
export const FULL_SAMPLE = `// Molty's gateway. Written by the wizard, edited by hand since.
{
  meta: { lastTouchedVersion: "2026.1.27", lastTouchedAt: "2026-01-28T10:00:00.000Z" },
  wizard: { lastRunAt: "2026-01-20T09:00:00.000Z", lastRunVersion: "2026.1.20", lastRunCommand: "onboard", lastRunMode: "local" },
  env: {
    vars: { OPENROUTER_API_KEY: "sk-or-from-config" }, // used only when the real env lacks it
  },
  gateway: {
    mode: "local",
    port: 19001,
    bind: "loopback",
    auth: { mode: "token", token: "\${GATEWAY_SECRET}" },
    controlUi: { enabled: true, basePath: "/ui" },
    trustedProxies: ["10.0.0.1"],
    reload: { mode: "hybrid", debounceMs: 250 },
  },
  agents: {
    defaults: {
      model: { primary: "openrouter/anthropic/claude-sonnet-4", fallbacks: ["local/llama3"] },
      workspace: "~/clawd",
      timeoutSeconds: 900,
      heartbeat: { every: "30m", target: "last" },
      sandbox: { mode: "non-main" },
    },
    list: [
      { id: "main", default: true, identity: { name: "Molty", emoji: "🦞" } },
      { id: "work", name: "Work", workspace: "~/work" },
    ],
  },
  models: {
    providers: {
      openrouter: {
        baseUrl: "https://openrouter.ai/api/v1",
        apiKey: "\${OPENROUTER_API_KEY}",
        api: "openai-completions",
        models: [{ id: "anthropic/claude-sonnet-4", name: "Claude Sonnet 4", contextWindow: 200000 }],
      },
      local: { baseUrl: "http://127.0.0.1:11434/v1", apiKey: "ollama", models: [{ id: "llama3", contextWindow: 8192 }] },
    },
  },
  session: { scope: "per-sender", dmScope: "main", reset: { mode: "daily", atHour: 4 } },
  channels: {
    telegram: { botToken: "123456:telegram-bot-token", dmPolicy: "pairing", allowFrom: ["@molty_owner"] },
    whatsapp: { allowFrom: ["+15551234567"] },
  },
  cron: { enabled: true },
  hooks: { enabled: false, token: "hook-shared-secret" },
  messages: { ackReactionScope: "group-mentions" },
  tools: { exec: { security: "allowlist" } },
  discovery: { mdns: { mode: "minimal" } },
  plugins: { entries: { "voice-call": { enabled: false, config: { provider: "twilio" } } } },
  logging: { level: "info", redactSensitive: "tools" },
}
`;

/** A config split over files with `$include`, siblings overriding included values. */
export const INCLUDE_SAMPLE: Record<string, string> = {
  "moltbot.json": `{
  // shared settings for every machine
  $include: "./base.json5",
  gateway: { port: 19100 }, // this machine only
  agents: {
    $include: ["./agents/defaults.json5", "./agents/list.json5"],
  },
  channels: { $include: "./channels.json5" },
}
`,
  "base.json5": `{
  gateway: { port: 18000, bind: "lan", auth: { token: "\${GATEWAY_SECRET}" } },
  logging: { level: "debug" },
}
`,
  "agents/defaults.json5": `{ defaults: { timeoutSeconds: 120, model: { primary: "local/llama3" } } }`,
  "agents/list.json5": `{ list: [{ id: "main", default: true }, { id: "ops" }] }`,
  "channels.json5": `{ discord: { token: "discord-bot-token", guilds: { "1234": { requireMention: true } } } }`,
};

/** An old-style config: top-level channels, `routing`, the `agent` section, `gateway.token`. */
export const LEGACY_SAMPLE = `{
  // from 2025, before channels.* and agents.*
  gateway: { port: 18789, token: "legacy-gateway-token" },
  telegram: { botToken: "999:legacy", requireMention: true },
  routing: {
    allowFrom: ["+15550001111"],
    defaultAgentId: "home",
    queue: { mode: "collect" },
  },
  identity: { name: "Clawd", emoji: "🦀" },
  agent: {
    model: "anthropic/claude-opus-4",
    modelFallbacks: ["openai/gpt-5"],
    timeoutSeconds: 300,
    bash: { timeoutSec: 60 },
  },
}
`;

/** Writes files (name → text) into a new temp dir and returns the dir. */
export function writeTree(files: Record<string, string>, dir = mkdtempSync(join(tmpdir(), "clawdbot-config-"))): string {
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}
