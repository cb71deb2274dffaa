import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { discoverPlugins } from "./discovery.js";
import { manifest, scratchDir } from "./test-plugins.fixture.js";

describe("discoverPlugins - the original's order and entry rules (subsystems §B.2)", () => {
  test("config paths, then workspace, then global, then bundled; package extensions, index.*, loose files", () => {
    const { dir, write } = scratchDir();
    write("linked/index.ts", "export default () => {};");
    write("workspace/.clawdbot/extensions/ws-one/index.js", "");
    write("state/extensions/pkg/package.json", { name: "@scope/pkg-name", clawdbot: { extensions: ["./lib/main.ts"] } });
    write("state/extensions/pkg/lib/main.ts", "");
    write("state/extensions/multi/package.json", { name: "multi", moltbot: { extensions: ["./a.ts", "./b.mjs"] }, clawdbot: { extensions: ["./ignored.ts"] } });
    write("state/extensions/multi/a.ts", "");
    write("state/extensions/multi/b.mjs", "");
    write("state/extensions/loose.cjs", "");
    write("state/extensions/types.d.ts", "");
    write("state/extensions/no-entry/README.md", "");
    write("bundled/bundled-one/index.mjs", "");

    const { candidates, diagnostics } = discoverPlugins({
      loadPaths: [join(dir, "linked"), join(dir, "missing")],
      workspaceDir: join(dir, "workspace"),
      globalDir: join(dir, "state/extensions"),
      bundledDir: join(dir, "bundled"),
    });
    expect(candidates.map((c) => [c.origin, c.idHint, c.source.slice(dir.length + 1)])).toEqual([
      ["config", "linked", "linked/index.ts"],
      ["workspace", "ws-one", "workspace/.clawdbot/extensions/ws-one/index.js"],
      ["global", "loose", "state/extensions/loose.cjs"],
      ["global", "multi/a", "state/extensions/multi/a.ts"],
      ["global", "multi/b", "state/extensions/multi/b.mjs"],
      ["global", "pkg-name", "state/extensions/pkg/lib/main.ts"],
      ["bundled", "bundled-one", "bundled/bundled-one/index.mjs"],
    ]);
    // A loose file's root is the directory it sits in, where its manifest must be.
    expect(candidates.find((c) => c.idHint === "loose")?.rootDir).toBe(join(dir, "state/extensions"));
    expect(diagnostics).toEqual([{ level: "error", message: `plugin path not found: ${join(dir, "missing")}`, source: join(dir, "missing") }]);
  });

  test("the first occurrence of an entry file wins: a load path inside the extensions dir keeps the config origin", () => {
    const { dir, write } = scratchDir();
    write("ext/one/index.ts", "");
    write("ext/one/clawdbot.plugin.json", manifest("one"));
    const { candidates } = discoverPlugins({ loadPaths: [join(dir, "ext/one")], workspaceDir: join(dir, "nowhere"), globalDir: join(dir, "ext"), bundledDir: undefined });
    expect(candidates).toEqual([{ idHint: "one", source: join(dir, "ext/one/index.ts"), rootDir: join(dir, "ext/one"), origin: "config" }]);
  });

  test("a load path that is a directory without entries is scanned like an extensions directory", () => {
    const { dir, write } = scratchDir();
    write("more/a/index.ts", "");
    write("more/b/index.js", "");
    const { candidates } = discoverPlugins({ loadPaths: [join(dir, "more")], workspaceDir: join(dir, "w"), globalDir: join(dir, "g"), bundledDir: undefined });
    expect(candidates.map((c) => [c.origin, c.idHint])).toEqual([
      ["config", "a"],
      ["config", "b"],
    ]);
  });
});
