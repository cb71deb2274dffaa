import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readConfigFile, sha256 } from "./config-file.js";
import { FULL_SAMPLE, INCLUDE_SAMPLE, LEGACY_SAMPLE, writeTree } from "./samples.fixture.js";

const env = { GATEWAY_SECRET: "s3cret-from-env", OPENROUTER_API_KEY: "" };

describe("readConfigFile - the original's load pipeline", () => {
  test("a full config with comments, unrun sections and ${VAR} loads with its values", () => {
    const dir = writeTree({ "moltbot.json": FULL_SAMPLE });
    const file = readConfigFile(join(dir, "moltbot.json"), { env });
    expect(file.issues).toEqual([]);
    expect(file.valid).toBe(true);
    expect(file.hash).toBe(sha256(FULL_SAMPLE));
    const config = file.config!;
    expect(config.gateway.port).toBe(19001);
    expect(config.gateway.auth?.token).toBe("s3cret-from-env");
    // The env block fills a variable the real environment leaves empty.
    expect(config.models?.providers?.openrouter?.apiKey).toBe("sk-or-from-config");
    expect(config.agents.defaults.timeoutSeconds).toBe(900);
    expect(config.agents.list?.map((a) => a.id)).toEqual(["main", "work"]);
    expect(config.gateway.reload).toEqual({ mode: "hybrid", debounceMs: 250 });
    // Sections this gateway does not run are kept verbatim and reported, never errors.
    expect(config.channels).toEqual({
      telegram: { botToken: "123456:telegram-bot-token", dmPolicy: "pairing", allowFrom: ["@molty_owner"] },
      whatsapp: { allowFrom: ["+15551234567"] },
    });
    expect(config.hooks).toEqual({ enabled: false, token: "hook-shared-secret" });
    expect(file.warnings.map((w) => w.path).sort()).toEqual(["channels", "cron", "hooks", "messages", "tools", "wizard"]);
    // `parsed` is the text before substitution: what writes edit.
    expect((file.parsed as { gateway: { auth: { token: string } } }).gateway.auth.token).toBe("${GATEWAY_SECRET}");
    expect(file.substitutions).toContainEqual({ path: ["gateway", "auth", "token"], vars: ["GATEWAY_SECRET"] });
  });

  test("$include: a root include, arrays merged in order, siblings win, relative to the including file", () => {
    const dir = writeTree(INCLUDE_SAMPLE);
    const file = readConfigFile(join(dir, "moltbot.json"), { env });
    expect(file.issues).toEqual([]);
    const config = file.config!;
    expect(config.gateway.port).toBe(19100);
    expect(config.gateway.bind).toBe("lan");
    expect(config.gateway.auth?.token).toBe("s3cret-from-env");
    expect(config.logging?.level).toBe("debug");
    expect(config.agents.defaults.timeoutSeconds).toBe(120);
    expect(config.agents.list?.map((a) => a.id)).toEqual(["main", "ops"]);
    expect(config.channels).toEqual({ discord: { token: "discord-bot-token", guilds: { "1234": { requireMention: true } } } });
    expect(file.includedFiles.map((f) => f.slice(dir.length + 1)).sort()).toEqual(
      ["agents/defaults.json5", "agents/list.json5", "base.json5", "channels.json5"].sort(),
    );
    expect((file.parsed as Record<string, unknown>).$include).toBe("./base.json5");
  });

  test("a missing file is valid, empty, with the hash of the empty string and every default", () => {
    const file = readConfigFile(join(writeTree({}), "moltbot.json"), { env });
    expect(file).toMatchObject({ exists: false, raw: null, valid: true, hash: sha256(""), issues: [] });
    expect(file.config!.gateway.port).toBe(18789);
  });

  test.each([
    ["{ gateway: { port: 1 ", "JSON5 parse failed"],
    ["[1, 2]", "config must be an object"],
    ['{ $include: "./nope.json5" }', "Failed to read include file ./nope.json5"],
    ['{ gateway: { auth: { token: "${NOT_SET_ANYWHERE}" } } }', "Missing env var NOT_SET_ANYWHERE referenced at config path: gateway.auth.token"],
  ])("a broken stage is one root issue: %s", (text, message) => {
    const file = readConfigFile(join(writeTree({ "moltbot.json": text }), "moltbot.json"), { env });
    expect(file.valid).toBe(false);
    expect(file.issues).toHaveLength(1);
    expect(file.issues[0]!.path).toBe("");
    expect(file.issues[0]!.message).toContain(message);
  });

  test("a circular include names its chain", () => {
    const dir = writeTree({ "moltbot.json": '{ $include: "./a.json5" }', "a.json5": '{ $include: "./b.json5" }', "b.json5": '{ $include: "./a.json5" }' });
    const file = readConfigFile(join(dir, "moltbot.json"), { env });
    expect(file.issues[0]!.message).toMatch(/^Circular include detected: .*moltbot\.json -> .*a\.json5 -> .*b\.json5 -> .*a\.json5$/);
  });

  test("$${VAR} is a literal; names must be upper case", () => {
    const dir = writeTree({ "moltbot.json": '{ ui: { assistant: { name: "$${GATEWAY_SECRET} and ${lower}" } } }' });
    const file = readConfigFile(join(dir, "moltbot.json"), { env });
    expect(file.config!.ui?.assistant?.name).toBe("${GATEWAY_SECRET} and ${lower}");
  });

  test("strict sections reject unknown keys and wrong types with dot paths", () => {
    const dir = writeTree({ "moltbot.json": '{ gateway: { prot: 1, bind: "everywhere" }, session: { scope: "nope" } }' });
    const file = readConfigFile(join(dir, "moltbot.json"), { env });
    expect(file.valid).toBe(false);
    expect(file.issues.map((i) => i.path).sort()).toEqual(["gateway.bind", "gateway.prot", "session.scope"]);
  });

  test("legacy keys make the file invalid until migrated, and are listed", () => {
    const file = readConfigFile(join(writeTree({ "moltbot.json": LEGACY_SAMPLE }), "moltbot.json"), { env });
    expect(file.valid).toBe(false);
    expect(file.legacyIssues.map((i) => i.path)).toEqual([
      "telegram",
      "routing.allowFrom",
      "routing.defaultAgentId",
      "routing.queue",
      "telegram.requireMention",
      "identity",
      "agent",
      "agent.model",
      "agent.modelFallbacks",
      "gateway.token",
    ]);
    expect(file.issues).toEqual(file.legacyIssues);
  });
});
