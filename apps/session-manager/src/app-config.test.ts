import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ConfigSource, viewFromConfig } from "./app-config.js";

test("an empty config gives the original's defaults", () => {
  const view = viewFromConfig({});
  expect(view.keys).toEqual({ defaultAgentId: "main", mainKey: "main", scope: "per-sender" });
  expect(view.agents).toEqual([]);
  expect(view.defaultModel).toBeNull();
  expect(view.timeoutSeconds).toBe(600);
});

test("agents, session, models and the default model", () => {
  const view = viewFromConfig({
    agents: { list: [{ id: "Ops", name: "Ops" }, { id: "home", default: true, identity: { name: "Molty", emoji: "🦞" } }], defaults: { model: { primary: "local/llama3" }, timeoutSeconds: 30 } },
    session: { mainKey: "Desk", scope: "global" },
    models: { providers: { local: { baseUrl: "http://127.0.0.1:1/v1", apiKey: "k", models: [{ id: "llama3", contextWindow: 8192 }] } } },
  });
  expect(view.keys).toEqual({ defaultAgentId: "home", mainKey: "desk", scope: "global" });
  expect(view.agents.map((a) => a.id)).toEqual(["ops", "home"]);
  expect(view.defaultModel).toEqual({ provider: "local", model: "llama3" });
  expect(view.providers.get("local")?.models).toEqual([{ id: "llama3", contextWindow: 8192 }]);
  expect(view.timeoutSeconds).toBe(30);
});

test("the file is re-read when it changes; a broken file gives defaults", () => {
  const dir = mkdtempSync(join(tmpdir(), "sm-config-"));
  const source = new ConfigSource(dir, undefined);
  expect(source.current().keys.mainKey).toBe("main");
  writeFileSync(join(dir, "moltbot.json"), "{ session: { mainKey: 'work' } }");
  expect(source.current().keys.mainKey).toBe("work");
  writeFileSync(join(dir, "moltbot.json"), "{ not json5 at all !!! and longer");
  expect(source.current().keys.mainKey).toBe("main");
});
