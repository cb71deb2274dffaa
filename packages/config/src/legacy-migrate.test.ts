import JSON5 from "json5";
import { describe, expect, test } from "vitest";
import { findLegacyIssues } from "./legacy-rules.js";
import { migrateLegacyConfig } from "./legacy-migrate.js";
import { LEGACY_SAMPLE } from "./samples.fixture.js";
import { validateConfig } from "./validate.js";

describe("migrateLegacyConfig - the original's old shapes (subsystems §A.6)", () => {
  test("the legacy sample becomes a valid config with nothing lost, each change listed", () => {
    const { config, changes } = migrateLegacyConfig(JSON5.parse<Record<string, unknown>>(LEGACY_SAMPLE));
    expect(changes).toEqual([
      "Moved telegram → channels.telegram.",
      "Removed routing.allowFrom (channels.whatsapp not configured).",
      "Moved gateway.token → gateway.auth.token.",
      'Moved telegram.requireMention → channels.telegram.groups."*".requireMention.',
      "Migrated agent.model string → agent.model.primary.",
      "Migrated agent.modelFallbacks → agent.model.fallbacks.",
      'Moved routing.defaultAgentId → agents.list (id "home").default.',
      "Moved routing.queue → messages.queue.",
      "Moved agent.bash → tools.exec.",
      "Moved agent → agents.defaults.",
      'Moved identity → agents.list (id "home").identity.',
    ]);
    expect(config).toEqual({
      gateway: { port: 18789, auth: { token: "legacy-gateway-token", mode: "token" } },
      channels: { telegram: { botToken: "999:legacy", groups: { "*": { requireMention: true } } } },
      messages: { queue: { mode: "collect" } },
      tools: { exec: { timeoutSec: 60 } },
      agents: {
        list: [{ id: "home", default: true, identity: { name: "Clawd", emoji: "🦀" } }],
        defaults: {
          model: { primary: "anthropic/claude-opus-4", fallbacks: ["openai/gpt-5"] },
          models: { "anthropic/claude-opus-4": {}, "openai/gpt-5": {} },
          timeoutSeconds: 300,
        },
      },
    });
    expect(findLegacyIssues(config)).toEqual([]);
    expect(validateConfig(config).ok).toBe(true);
  });

  test("a value moves only when the target is unset; otherwise the legacy key is dropped and said so", () => {
    const { config, changes } = migrateLegacyConfig({ gateway: { token: "old", auth: { token: "new" } }, tools: { bash: { a: 1 }, exec: { b: 2 } } });
    expect(config).toEqual({ gateway: { auth: { token: "new" } }, tools: { exec: { b: 2 } } });
    expect(changes).toEqual(["Removed gateway.token (gateway.auth.token already set).", "Removed tools.bash (tools.exec already set)."]);
  });

  test("a string agents.defaults.model becomes {primary}", () => {
    const { config, changes } = migrateLegacyConfig({ agents: { defaults: { model: "local/llama3" } } });
    expect(config).toEqual({ agents: { defaults: { model: { primary: "local/llama3", fallbacks: [] }, models: { "local/llama3": {} } } } });
    expect(changes).toEqual(["Migrated agents.defaults.model string → agents.defaults.model.primary."]);
  });

  test("a current config is left alone", () => {
    const current = { gateway: { auth: { token: "x" } }, agents: { defaults: { model: { primary: "a/b" } } } };
    expect(migrateLegacyConfig(current)).toEqual({ config: current, changes: [] });
  });
});
