import { describe, expect, test } from "vitest";
import { applyMergePatch, patchLeaves } from "./merge-patch.js";
import { buildReloadPlan, classifyPath, diffPaths } from "./reload-plan.js";

describe("diffPaths", () => {
  test("leaf paths; arrays by value, reported whole", () => {
    const before = { gateway: { port: 1, auth: { token: "a" } }, agents: { list: [{ id: "a" }] }, x: 1 };
    const after = { gateway: { port: 1, auth: { token: "b" } }, agents: { list: [{ id: "a" }, { id: "b" }] }, y: 2 };
    expect(diffPaths(before, after)).toEqual(["agents.list", "gateway.auth.token", "x", "y"]);
    expect(diffPaths({ agents: { list: [{ id: "a" }] } }, { agents: { list: [{ id: "a" }] } })).toEqual([]);
  });
});

describe("classifyPath - the original's rules, with the listener split out of gateway.*", () => {
  test.each([
    ["gateway.auth.token", "hot"],
    ["gateway.auth.password", "hot"],
    ["gateway.trustedProxies", "hot"],
    ["gateway.controlUi.allowedOrigins", "hot"],
    ["gateway.controlUi.allowInsecureAuth", "hot"],
    ["gateway.controlUi.basePath", "restart"],
    ["logging.level", "hot"],
    ["channels.telegram.botToken", "hot"],
    ["cron.enabled", "hot"],
    ["gateway.port", "restart"],
    ["gateway.bind", "restart"],
    ["gateway.tls.enabled", "restart"],
    ["plugins.entries.x.enabled", "hot"],
    ["discovery.mdns.mode", "restart"],
    ["env.vars.X", "restart"],
    ["somethingNew", "restart"],
    ["gateway.reload.mode", "none"],
    ["gateway.remote.url", "none"],
    ["agents.defaults.timeoutSeconds", "none"],
    ["session.mainKey", "none"],
    ["models.providers.x.baseUrl", "none"],
    ["meta.lastTouchedAt", "none"],
  ])("%s → %s", (path, kind) => {
    expect(classifyPath(path)).toBe(kind);
  });
});

describe("buildReloadPlan - gateway.reload.mode", () => {
  const paths = ["gateway.auth.token", "gateway.port", "session.mainKey"];
  test("hybrid restarts only for restart-class paths", () => {
    expect(buildReloadPlan(paths, "hybrid")).toEqual({
      mode: "hybrid",
      changedPaths: paths,
      hotPaths: ["gateway.auth.token"],
      restartPaths: ["gateway.port"],
      restart: true,
      ignoredRestartPaths: [],
    });
    expect(buildReloadPlan(["gateway.auth.token"], "hybrid").restart).toBe(false);
  });
  test("restart restarts on any change; hot never, and lists what it leaves unapplied", () => {
    expect(buildReloadPlan(["session.mainKey"], "restart").restart).toBe(true);
    expect(buildReloadPlan(paths, "hot")).toMatchObject({ restart: false, ignoredRestartPaths: ["gateway.port"] });
    expect(buildReloadPlan(paths, "off").restart).toBe(false);
  });
});

describe("applyMergePatch - RFC 7386", () => {
  test("null deletes, objects recurse, arrays and scalars replace", () => {
    const target = { a: { b: 1, c: [1, 2], d: { e: 1 } }, f: "x", keep: true };
    const patch = { a: { b: null, c: [3], d: { g: 2 } }, f: { now: "object" } };
    expect(applyMergePatch(target, patch)).toEqual({ a: { c: [3], d: { e: 1, g: 2 } }, f: { now: "object" }, keep: true });
    expect(target.a.b).toBe(1);
    expect(patchLeaves(patch)).toEqual([
      { path: ["a", "b"], value: null },
      { path: ["a", "c"], value: [3] },
      { path: ["a", "d", "g"], value: 2 },
      { path: ["f", "now"], value: "object" },
    ]);
  });
});
