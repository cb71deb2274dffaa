import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildCatalog, planFor } from "./catalog.js";
import { PluginConfigValidator } from "./config-validation.js";
import { manifest, scratchDir } from "./test-plugins.fixture.js";

function layout() {
  const scratch = scratchDir();
  const roots = { workspaceDir: join(scratch.dir, "workspace"), globalDir: join(scratch.dir, "global"), bundledDir: join(scratch.dir, "bundled") };
  return { ...scratch, roots };
}

describe("buildCatalog - discovery, manifests, enablement and config checks, without running plugin code", () => {
  test("the first plugin with an id wins; a later one is disabled as overridden", () => {
    const { write, roots } = layout();
    write("workspace/.clawdbot/extensions/demo/index.ts", "");
    write("workspace/.clawdbot/extensions/demo/clawdbot.plugin.json", manifest("demo"));
    write("global/demo/index.ts", "");
    write("global/demo/moltbot.plugin.json", manifest("demo"));
    const catalog = buildCatalog({}, roots, new PluginConfigValidator());
    expect(catalog.plans.map((p) => [p.id, p.origin, p.enabled, p.error])).toEqual([
      ["demo", "workspace", true, undefined],
      ["demo", "global", false, "overridden by workspace plugin"],
    ]);
    expect(planFor(catalog, "demo")?.origin).toBe("workspace");
  });

  test("moltbot.plugin.json is read before the legacy clawdbot.plugin.json", () => {
    const { write, roots } = layout();
    write("global/both/index.ts", "");
    write("global/both/moltbot.plugin.json", manifest("canonical"));
    write("global/both/clawdbot.plugin.json", manifest("legacy"));
    const catalog = buildCatalog({}, roots, new PluginConfigValidator());
    expect(catalog.plans.map((p) => p.id)).toEqual(["canonical"]);
    expect(catalog.diagnostics).toEqual([expect.objectContaining({ level: "warn", message: 'plugin id mismatch (manifest uses "canonical", entry hints "both")' })]);
  });

  test("manifest problems make the plugin unloadable, with the reason", () => {
    const { write, roots } = layout();
    write("global/none/index.ts", "");
    write("global/noschema/index.ts", "");
    write("global/noschema/clawdbot.plugin.json", { id: "noschema" });
    write("global/badjson/index.ts", "");
    write("global/badjson/clawdbot.plugin.json", "{ nope");
    const catalog = buildCatalog({}, roots, new PluginConfigValidator());
    expect(catalog.plans.map((p) => [p.id, p.error])).toEqual([
      ["badjson", expect.stringMatching(/^plugin manifest is not valid JSON: /)],
      ["none", "plugin manifest not found (moltbot.plugin.json or clawdbot.plugin.json)"],
      ["noschema", "plugin schema missing"],
    ]);
  });

  test("an enabled plugin's config is checked against its manifest schema; a disabled one's is not", () => {
    const { write, roots } = layout();
    const schema = { type: "object", additionalProperties: false, required: ["port"], properties: { port: { type: "integer" } } };
    write("global/strict/index.ts", "");
    write("global/strict/clawdbot.plugin.json", manifest("strict", { configSchema: schema }));
    write("bundled/quiet/index.ts", "");
    write("bundled/quiet/clawdbot.plugin.json", manifest("quiet", { configSchema: schema }));
    const config = { plugins: { entries: { strict: { config: { port: "x" } }, quiet: { config: { port: "x" } } } } };
    const catalog = buildCatalog(config, roots, new PluginConfigValidator());
    expect(planFor(catalog, "strict")).toMatchObject({
      enabled: true,
      error: "invalid config: port: must be integer",
      configIssues: [{ path: "plugins.entries.strict.config.port", message: "must be integer" }],
      pluginConfig: undefined,
    });
    expect(planFor(catalog, "quiet")).toMatchObject({ enabled: false, reason: "bundled (disabled by default)", error: undefined, configIssues: [] });
    const fixed = buildCatalog({ plugins: { entries: { strict: { config: { port: 1 } } } } }, roots, new PluginConfigValidator());
    expect(planFor(fixed, "strict")).toMatchObject({ enabled: true, error: undefined, pluginConfig: { port: 1 } });
  });
});
