import { describe, expect, test } from "vitest";
import { resolveEnableState } from "./enablement.js";
import { PluginManifest } from "./manifest.js";
import { normalizePluginsConfig } from "./plugins-config.js";

const plain = PluginManifest.parse({ id: "demo", configSchema: {} });
const state = (config: Record<string, unknown>, origin: "config" | "workspace" | "global" | "bundled" = "global", m = plain, id = m.id) =>
  resolveEnableState(id, origin, normalizePluginsConfig(config), m, config);

describe("resolveEnableState - first matching rule wins (subsystems §B.3)", () => {
  test("plugins.enabled=false beats everything", () => {
    expect(state({ plugins: { enabled: false, entries: { demo: { enabled: true } } } })).toEqual({ enabled: false, reason: "plugins disabled" });
  });

  test("deny beats allow and entries", () => {
    expect(state({ plugins: { deny: ["demo"], allow: ["demo"], entries: { demo: { enabled: true } } } })).toEqual({ enabled: false, reason: "blocked by denylist" });
  });

  test("a non-empty allowlist without the id disables it", () => {
    expect(state({ plugins: { allow: ["other"], entries: { demo: { enabled: true } } } })).toEqual({ enabled: false, reason: "not in allowlist" });
    expect(state({ plugins: { allow: ["demo"] } })).toEqual({ enabled: true });
  });

  test("entries.<id>.enabled decides next", () => {
    expect(state({ plugins: { entries: { demo: { enabled: true } } } }, "bundled")).toEqual({ enabled: true });
    expect(state({ plugins: { entries: { demo: { enabled: false } } } })).toEqual({ enabled: false, reason: "disabled in config" });
  });

  test("bundled plugins are off by default, except the ones this gateway ships as core (voicewake)", () => {
    expect(state({}, "bundled")).toEqual({ enabled: false, reason: "bundled (disabled by default)" });
    const voicewake = PluginManifest.parse({ id: "voicewake", configSchema: {} });
    expect(state({}, "bundled", voicewake)).toEqual({ enabled: true });
  });

  test("config, workspace and global plugins are on by default", () => {
    for (const origin of ["config", "workspace", "global"] as const) expect(state({}, origin)).toEqual({ enabled: true });
  });

  test("auto-enable: a declared channel that is configured, or a declared provider in use, even past an allowlist", () => {
    const channel = PluginManifest.parse({ id: "telegram", configSchema: {}, channels: ["telegram"] });
    expect(state({}, "bundled", channel)).toMatchObject({ enabled: false });
    expect(state({ channels: { telegram: {} } }, "bundled", channel)).toMatchObject({ enabled: false });
    expect(state({ channels: { telegram: { botToken: "x" } }, plugins: { allow: ["other"] } }, "bundled", channel)).toEqual({
      enabled: true,
      reason: "telegram configured",
    });
    expect(state({ channels: { telegram: { botToken: "x" } }, plugins: { entries: { telegram: { enabled: false } } } }, "bundled", channel)).toMatchObject({
      enabled: false,
    });
    const provider = PluginManifest.parse({ id: "copilot-proxy", configSchema: {}, providers: ["copilot-proxy"] });
    expect(state({ auth: { profiles: { a: { provider: "copilot-proxy" } } } }, "bundled", provider)).toMatchObject({ enabled: true });
    expect(state({ models: { providers: { "copilot-proxy": {} } } }, "bundled", provider)).toMatchObject({ enabled: true });
  });

  test("at most one memory plugin: the one the memory slot names (memory-core by default)", () => {
    const core = PluginManifest.parse({ id: "memory-core", configSchema: {}, kind: "memory" });
    const lance = PluginManifest.parse({ id: "memory-lancedb", configSchema: {}, kind: "memory" });
    expect(state({}, "bundled", core)).toEqual({ enabled: true });
    expect(state({ plugins: { entries: { "memory-lancedb": { enabled: true } } } }, "bundled", lance)).toEqual({ enabled: false, reason: "memory slot set to memory-core" });
    expect(state({ plugins: { slots: { memory: "memory-lancedb" } } }, "bundled", lance)).toEqual({ enabled: true });
    expect(state({ plugins: { slots: { memory: "none" } } }, "bundled", core)).toEqual({ enabled: false, reason: "memory slot set to none" });
  });

  test("a malformed plugins section is read leniently, field by field", () => {
    expect(normalizePluginsConfig({ plugins: { allow: "demo", deny: [1], entries: { demo: { enabled: "yes" } }, load: { paths: ["/x"] } } })).toMatchObject({
      enabled: true,
      allow: [],
      deny: [],
      loadPaths: ["/x"],
      entries: { demo: {} },
    });
  });
});
