import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomUUID } from "node:crypto";
import type { NatsNames } from "@clawdbot/protocol";
import type { NatsConnection } from "nats";

// Config files as users of the original Gateway have them (JSON5, comments, sections this
// gateway does not run, secrets by reference, includes), and a way to call config-service
// over the bus the way an edge does.

export const SECRETS = {
  gatewaySecret: "gw-secret-from-the-environment",
  telegram: "123456:telegram-bot-token-literal",
  hook: "hook-shared-secret-literal",
  openrouter: "sk-or-literal-in-env-block",
  discord: "discord-bot-token-literal",
};

export const FULL_SAMPLE = `// Molty's gateway. Written by the wizard, edited by hand since.
{
  meta: { lastTouchedVersion: "2026.1.27", lastTouchedAt: "2026-01-28T10:00:00.000Z" },
  wizard: { lastRunAt: "2026-01-20T09:00:00.000Z", lastRunCommand: "onboard", lastRunMode: "local" },
  env: { vars: { OPENROUTER_API_KEY: "${SECRETS.openrouter}" } },
  gateway: {
    mode: "local",
    port: 19001,
    auth: { mode: "token", token: "\${GATEWAY_SECRET}" }, // the real one lives in the environment
    reload: { mode: "hybrid", debounceMs: 100 },
  },
  agents: {
    defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4" }, timeoutSeconds: 900, heartbeat: { every: "30m" } },
    list: [{ id: "main", default: true, identity: { name: "Molty", emoji: "🦞" } }, { id: "work", name: "Work" }],
  },
  models: {
    providers: {
      openrouter: {
        baseUrl: "https://openrouter.ai/api/v1",
        apiKey: "\${OPENROUTER_API_KEY}",
        models: [{ id: "anthropic/claude-sonnet-4", name: "Claude Sonnet 4", contextWindow: 200000 }],
      },
    },
  },
  channels: { telegram: { botToken: "${SECRETS.telegram}", dmPolicy: "pairing", allowFrom: ["@molty_owner"] } },
  cron: { enabled: true },
  hooks: { enabled: false, token: "${SECRETS.hook}" },
  messages: { ackReactionScope: "group-mentions" },
}
`;

export const INCLUDE_SAMPLE: Record<string, string> = {
  "moltbot.json": `{
  // shared settings for every machine
  $include: "./base.json5",
  gateway: { reload: { debounceMs: 100 } }, // this machine only
  agents: { $include: ["./agents/defaults.json5", "./agents/list.json5"] },
  channels: { $include: "./channels.json5" },
}
`,
  "base.json5": `{ gateway: { port: 19200, auth: { token: "\${GATEWAY_SECRET}" } }, logging: { level: "debug" } }`,
  "agents/defaults.json5": `{ defaults: { timeoutSeconds: 120 } }`,
  "agents/list.json5": `{ list: [{ id: "main", default: true }, { id: "ops" }] }`,
  "channels.json5": `{ discord: { token: "${SECRETS.discord}" } }`,
};

export const LEGACY_SAMPLE = `{
  // from 2025, before channels.* and agents.*
  gateway: { port: 18789, token: "legacy-gateway-token" },
  telegram: { botToken: "999:legacy", requireMention: true },
  routing: { defaultAgentId: "home", queue: { mode: "collect" } },
  identity: { name: "Clawd", emoji: "🦀" },
  agent: { model: "anthropic/claude-opus-4", timeoutSeconds: 300 },
}
`;

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

// Results are checked field by field in the tests; typing each method's result here would only restate the protocol.
export type CallOutcome = { ok: true; result: any } | { ok: false; error: { code: string; message: string; details?: any } }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One JSON-RPC call to whichever replica the queue group picks, as an edge would send it. */
export async function callService(nc: NatsConnection, names: NatsNames, method: string, params: unknown = {}): Promise<CallOutcome> {
  const id = randomUUID();
  const msg = await nc.request(names.rpc(method), new TextEncoder().encode(JSON.stringify({ jsonrpc: "2.0", id, method, params })), { timeout: 20_000 });
  const body = JSON.parse(new TextDecoder().decode(msg.data)) as { result?: unknown; error?: { message: string; data?: { code: string; details?: unknown } } };
  if (body.error) return { ok: false, error: { code: body.error.data?.code ?? "?", message: body.error.message, details: body.error.data?.details } };
  return { ok: true, result: body.result };
}
