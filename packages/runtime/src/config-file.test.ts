import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { resolveConfigPath } from "./config-file.js";

test("explicit path, else moltbot.json, else the legacy clawdbot.json, else moltbot.json to be created", () => {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  expect(resolveConfigPath(dir, "/etc/x.json")).toBe("/etc/x.json");
  expect(resolveConfigPath(dir, undefined)).toBe(join(dir, "moltbot.json"));
  writeFileSync(join(dir, "clawdbot.json"), "{}");
  expect(resolveConfigPath(dir, undefined)).toBe(join(dir, "clawdbot.json"));
  writeFileSync(join(dir, "moltbot.json"), "{}");
  expect(resolveConfigPath(dir, undefined)).toBe(join(dir, "moltbot.json"));
});
