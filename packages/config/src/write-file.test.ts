import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { writeTree } from "./samples.fixture.js";
import { backupPaths, writeConfigText } from "./write-file.js";

test("writes atomically with mode 0600 and keeps five rotating backups, newest in .bak", async () => {
  const dir = writeTree({});
  const path = join(dir, "state", "moltbot.json");
  expect(await writeConfigText(path, "v0")).toEqual({ backup: null });
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(statSync(join(dir, "state")).mode & 0o777).toBe(0o700);
  for (let i = 1; i <= 7; i++) {
    expect(await writeConfigText(path, `v${i}`)).toEqual({ backup: `${path}.bak` });
  }
  expect(readFileSync(path, "utf8")).toBe("v7");
  expect(backupPaths(path).map((p) => readFileSync(p, "utf8"))).toEqual(["v6", "v5", "v4", "v3", "v2"]);
  for (const backup of backupPaths(path)) expect(statSync(backup).mode & 0o777).toBe(0o600);
  expect(existsSync(`${path}.bak.5`)).toBe(false);
  // No temp file is left behind.
  expect(readdirSync(join(dir, "state")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
});
