import { describe, expect, test } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { buildPatch, getAtPath, parseConfigPath } from "./config-path.js";

describe("config paths", () => {
  test("dots and [index], or numeric segments", () => {
    expect(parseConfigPath("gateway.auth.token")).toEqual(["gateway", "auth", "token"]);
    expect(parseConfigPath("agents.list[0].id")).toEqual(["agents", "list", 0, "id"]);
    expect(parseConfigPath("agents.list.0.id")).toEqual(["agents", "list", 0, "id"]);
    expect(parseConfigPath("a.b[1][2]")).toEqual(["a", "b", 1, 2]);
  });

  test("refuses empty segments, prototype keys and a leading index", () => {
    for (const bad of ["", "a..b", "a.__proto__.b", "constructor", "a.prototype", "[0].a", "a.b[x]"]) {
      expect(() => parseConfigPath(bad), bad).toThrow(expect.objectContaining({ exitCode: ExitCode.usage }));
    }
  });

  test("getAtPath", () => {
    const cfg = { a: { list: [{ id: "x" }] } };
    expect(getAtPath(cfg, ["a", "list", 0, "id"])).toEqual({ found: true, value: "x" });
    expect(getAtPath(cfg, ["a", "list", 1])).toEqual({ found: false });
    expect(getAtPath(cfg, ["a", "nope"])).toEqual({ found: false });
  });
});

describe("merge patches", () => {
  const file = { gateway: { port: 18789, auth: { token: "__CLAWDBOT_REDACTED__" } }, agents: { list: [{ id: "a", token: "__CLAWDBOT_REDACTED__" }, { id: "b" }] } };

  test("object keys: nested objects down to the value; unset sends null", () => {
    expect(buildPatch(file, ["gateway", "port"], { set: 19000 })).toEqual({ gateway: { port: 19000 } });
    expect(buildPatch(file, ["ui", "theme", "color"], { set: "red" })).toEqual({ ui: { theme: { color: "red" } } });
    expect(buildPatch(file, ["gateway", "port"], { unset: true })).toEqual({ gateway: { port: null } });
  });

  test("inside an array the whole array is sent, its secrets pinned to where they were read", () => {
    expect(buildPatch(file, ["agents", "list", 0], { unset: true })).toEqual({ agents: { list: [{ id: "b" }] } });
    expect(buildPatch(file, ["agents", "list", 1, "model"], { set: "m" })).toEqual({
      agents: { list: [{ id: "a", token: "__CLAWDBOT_REDACTED__:agents.list.0.token" }, { id: "b", model: "m" }] },
    });
    expect(buildPatch(file, ["agents", "list", 2], { set: { id: "c" } })).toEqual({
      agents: { list: [{ id: "a", token: "__CLAWDBOT_REDACTED__:agents.list.0.token" }, { id: "b" }, { id: "c" }] },
    });
    expect(buildPatch(file, ["agents", "list"], { set: [] })).toEqual({ agents: { list: [] } });
  });

  test("what cannot be done is said", () => {
    expect(() => buildPatch(file, ["gateway", "nope"], { unset: true })).toThrow("Config path not found: gateway.nope");
    expect(() => buildPatch(file, ["agents", "list", 5], { set: 1 })).toThrow("index 5 is past the end of the list (length 2)");
    expect(() => buildPatch(file, ["gateway", "port"], { set: null })).toThrow(/use `clawdbot config unset`/);
    expect(() => buildPatch(file, ["gateway", "x", 0], { set: 1 })).toThrow(/is not a list/);
  });
});
