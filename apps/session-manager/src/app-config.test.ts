import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, vi } from "vitest";
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

test("the file is re-read when it changes, looked at no more than once a second; a broken file gives defaults", () => {
  vi.useFakeTimers({ now: 10_000, toFake: ["Date"] });
  try {
    const dir = mkdtempSync(join(tmpdir(), "sm-config-"));
    const source = new ConfigSource(dir, undefined);
    expect(source.current().keys.mainKey).toBe("main");
    writeFileSync(join(dir, "moltbot.json"), "{ session: { mainKey: 'work' } }");
    // Within the second: the last look stands (no stat per call).
    vi.setSystemTime(10_500);
    expect(source.current().keys.mainKey).toBe("main");
    vi.setSystemTime(11_001);
    expect(source.current().keys.mainKey).toBe("work");
    writeFileSync(join(dir, "moltbot.json"), "{ not json5 at all !!! and longer");
    vi.setSystemTime(12_002);
    expect(source.current().keys.mainKey).toBe("main");
  } finally {
    vi.useRealTimers();
  }
});

test("a published effective config wins over the file, and each new revision shows at once", () => {
  const dir = mkdtempSync(join(tmpdir(), "sm-config-"));
  writeFileSync(join(dir, "moltbot.json"), "{ session: { mainKey: 'from-file' } }");
  const published: { current: { config: unknown; revision: number } | null } = { current: null };
  const source = new ConfigSource(dir, undefined, published);
  // Nothing published yet (no config-service): the file.
  expect(source.current().keys.mainKey).toBe("from-file");
  published.current = { config: { session: { mainKey: "Layered", scope: "global" } }, revision: 3 };
  expect(source.current().keys).toMatchObject({ mainKey: "layered", scope: "global" });
  published.current = { config: { session: { mainKey: "override" } }, revision: 4 };
  expect(source.current().keys.mainKey).toBe("override");
  // The file no longer matters while a config is published.
  writeFileSync(join(dir, "moltbot.json"), "{ session: { mainKey: 'edited-file' } }");
  expect(source.current().keys.mainKey).toBe("override");
});
