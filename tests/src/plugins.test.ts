import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AppProcess, type Frame, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// Plugins at run time (issue #9), end to end: the built plugin-host, config-service and two
// edges as processes, plugins copied into the state dir's extensions folder while they run.

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "plugins");
const CALL_TIMEOUT_MS = 2_000;

let nats: NatsServer;
let stack: Stack;
let pluginHost: AppProcess;
let edgeA: string;
let edgeB: string;
let admin: RawClient;
let configPath: string;
let extensionsDir: string;

interface PluginRow {
  id: string;
  state: string;
  enabled: boolean;
  error?: string;
  methods: string[];
}

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url });
  configPath = join(stack.stateDir, "moltbot.json");
  extensionsDir = join(stack.stateDir, "extensions");
  mkdirSync(extensionsDir, { recursive: true });
  // A workspace of our own, so no plugin of the machine's real ~/clawd is discovered.
  const workspace = mkdtempSync(join(tmpdir(), "clawdbot-workspace-"));
  writeConfig({ agents: { defaults: { workspace } }, plugins: { entries: { hello: { enabled: false } } } });
  await stack.start("config-service");
  pluginHost = await stack.start("plugin-host", {
    CLAWDBOT_PLUGIN_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
    CLAWDBOT_PLUGIN_SCAN_MS: "300",
    CLAWDBOT_CONFIG_POLL_MS: "200",
  });
  edgeA = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-a" })).url;
  edgeB = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-b" })).url;
  admin = await connect(edgeA);
});

afterAll(async () => {
  admin?.close();
  await stack?.stop();
  await nats?.stop();
});

function readConfig(): Record<string, unknown> {
  return JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
}

function writeConfig(config: Record<string, unknown>): void {
  writeFileSync(configPath, JSON.stringify(config, null, 2));
}

/** "Dropping" a plugin in: a copy of a fixture into the extensions folder of the running host. */
function dropPlugin(name: string): string {
  const target = join(extensionsDir, name);
  cpSync(join(fixtures, name), target, { recursive: true });
  return target;
}

async function connect(url: string, scopes?: string[]): Promise<RawClient> {
  const { client, hello } = await RawClient.connect(url, { token: stack.token, ...(scopes ? { scopes } : {}) });
  expect(hello.ok).toBe(true);
  return client;
}

/** `features.methods` of a brand-new connection. */
async function advertised(url: string): Promise<string[]> {
  const { client, hello } = await RawClient.connect(url, { token: stack.token });
  client.close();
  return (hello.payload as { features: { methods: string[] } }).features.methods;
}

async function pluginRows(): Promise<PluginRow[]> {
  const res = await admin.request("plugins.list", {});
  expect(res.ok).toBe(true);
  return (res.payload as { plugins: PluginRow[] }).plugins;
}

async function pluginRow(id: string): Promise<PluginRow | undefined> {
  return (await pluginRows()).find((p) => p.id === id);
}

async function pluginInfo(id: string): Promise<Record<string, unknown>> {
  const res = await admin.request("plugins.info", { id });
  expect(res.ok).toBe(true);
  return res.payload as Record<string, unknown>;
}

describe("dynamic methods", () => {
  test("a plugin dropped into the extensions folder and enabled is advertised and answers on two edges, with its own scopes; disabling removes it", async () => {
    for (const url of [edgeA, edgeB]) expect(await advertised(url)).not.toContain("hello.greet");

    dropPlugin("hello");
    // The config says `enabled: false`, so the scan finds it but leaves it off.
    await waitFor(async () => (await pluginRow("hello"))?.state === "disabled", { message: "dropped plugin not discovered" });

    const enabled = await admin.request("plugins.enable", { id: "hello" });
    expect(enabled).toMatchObject({
      ok: true,
      payload: { ok: true, changed: true, plugin: { id: "hello", origin: "global", enabled: true, state: "loaded", methods: ["hello.admin", "hello.greet"] } },
    });
    // Written through config-service (config.get for the hash, then config.patch), not by the host itself.
    expect(readConfig()).toMatchObject({ plugins: { entries: { hello: { enabled: true } } } });
    expect(pluginHost.logs.filter((l) => /writing the config file directly/.test(String(l.msg)))).toEqual([]);

    for (const url of [edgeA, edgeB]) {
      await waitFor(async () => (await advertised(url)).includes("hello.greet"), { message: `hello.greet never advertised on ${url}` });
      const client = await connect(url);
      // TypeScript source, a relative `.js` import of a `.ts` file, the manifest's default filled in.
      expect(await client.request("hello.greet", { name: "edges" })).toMatchObject({ ok: true, payload: { text: "hello, edges" } });
      client.close();
    }

    // The scope the plugin declared reaches the edge through the registry: `read` for
    // hello.greet, the default (admin) for hello.admin.
    const reader = await connect(edgeB, ["operator.read"]);
    expect(await reader.request("hello.greet", {})).toMatchObject({ ok: true, payload: { text: "hello, world" } });
    expect((await reader.request("hello.admin", {})).error).toEqual({ code: "INVALID_REQUEST", message: "missing scope: operator.admin" });
    reader.close();
    const info = await pluginInfo("hello");
    expect(info.methodScopes).toEqual(expect.arrayContaining([{ name: "hello.greet", scope: "read" }, { name: "hello.admin", scope: "admin" }]));

    const disabled = await admin.request("plugins.disable", { id: "hello" });
    expect(disabled).toMatchObject({ ok: true, payload: { changed: true, plugin: { id: "hello", enabled: false, state: "disabled", methods: [] } } });
    expect(readConfig()).toMatchObject({ plugins: { entries: { hello: { enabled: false } } } });
    for (const url of [edgeA, edgeB]) {
      await waitFor(async () => !(await advertised(url)).includes("hello.greet"), { message: `hello.greet still advertised on ${url}` });
    }
    // Recently announced, now served by nobody: an outage, not an unknown method.
    expect(await admin.request("hello.greet", {})).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", retryable: true } });
  });

  test("plugins.enable of an unknown plugin is refused", async () => {
    expect(await admin.request("plugins.enable", { id: "no-such-plugin" })).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST", message: "plugin not found: no-such-plugin" },
    });
    expect(await admin.request("plugins.info", { id: "no-such-plugin" })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
  });
});

describe("isolation", () => {
  test("three misbehaving plugins each fail in their defined way while voicewake.get keeps answering every call", async () => {
    const reader = await connect(edgeB, ["operator.read"]);
    expect(await reader.request("voicewake.get", {})).toMatchObject({ ok: true });

    // voicewake.get, over and over, for as long as the plugins misbehave.
    const outcomes: Frame[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        // 5 s is a deadline, far inside the edge's 30 s call timeout; it claims no speed.
        outcomes.push(await reader.request("voicewake.get", {}, 5_000));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    dropPlugin("broken-load");
    dropPlugin("throws-handler");
    dropPlugin("loops-handler");

    // 1. Throws while loading: errored with the cause; the others load.
    await waitFor(async () => (await pluginRow("broken-load"))?.state === "errored", { message: "broken-load not reported errored" });
    expect(await pluginRow("broken-load")).toMatchObject({ error: "failed to load plugin: broken at load", methods: [] });
    await waitFor(async () => (await pluginRow("throws-handler"))?.state === "loaded" && (await pluginRow("loops-handler"))?.state === "loaded", {
      message: "the well-loading plugins did not load",
    });
    await waitFor(async () => (await advertised(edgeA)).includes("bad.loop"), { message: "bad.loop not advertised" });

    // 2. A handler that throws: UNAVAILABLE with its message (the original's answer).
    const thrown = await admin.request("bad.throw", {});
    expect(thrown).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", message: "handler exploded" } });
    assertOriginalFrame(thrown);

    // An unhandled rejection stays inside the plugin: the call answers, the host lives on.
    expect(await admin.request("bad.reject", {})).toMatchObject({ ok: true, payload: { returned: true } });
    await waitFor(
      async () => ((await pluginInfo("throws-handler")).diagnostics as { message: string }[]).some((d) => d.message.includes("nobody catches this")),
      { message: "unhandled rejection not reported" },
    );

    // 3. A handler that never returns and blocks its event loop: UNAVAILABLE after the plugin
    // call timeout, well inside the caller's own; its worker is restarted.
    const looped = await admin.request("bad.loop", {}, 20_000);
    expect(looped).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", retryable: true } });
    expect((looped.error as { message: string }).message).toMatch(/bad\.loop did not answer within 2000 ms; its worker is restarted/);
    await waitFor(async () => ((await pluginInfo("loops-handler")).restarts as number) >= 1 && (await pluginRow("loops-handler"))?.state === "loaded", {
      message: "loops-handler was not restarted",
    });
    expect(await admin.request("bad.alive", {})).toMatchObject({ ok: true, payload: { alive: true } });
    expect(await admin.request("bad.throw", {})).toMatchObject({ ok: false, error: { message: "handler exploded" } });

    probing = false;
    await probe;
    expect(outcomes.length).toBeGreaterThan(10);
    const failed = outcomes.filter((o) => !o.ok);
    expect(failed).toEqual([]);
    expect(pluginHost.running).toBe(true);
    reader.close();
  });
});

describe("plugin config", () => {
  test("a config that violates the manifest schema is refused with the schema issues, and none of the plugin's code runs", async () => {
    const config = readConfig();
    const plugins = config.plugins as { entries: Record<string, unknown> };
    plugins.entries["strict-config"] = { config: { port: "8080", extra: true } };
    writeConfig(config);
    const dir = dropPlugin("strict-config");
    const marker = join(dir, "imported.marker");

    // Until config-service has published the new file the plugin is refused for having no config
    // at all; then for the config written above.
    await waitFor(async () => (await pluginRow("strict-config"))?.error?.includes("port: must be integer"), { message: "strict-config not refused" });
    const row = await pluginRow("strict-config");
    expect(row?.error).toMatch(/^invalid config: /);
    expect(row?.error).toContain("port: must be integer");
    expect(row?.error).toContain("must NOT have additional properties (extra)");
    const info = await pluginInfo("strict-config");
    expect(info.configIssues).toEqual(
      expect.arrayContaining([
        { path: "plugins.entries.strict-config.config.port", message: "must be integer" },
        { path: "plugins.entries.strict-config.config", message: "must NOT have additional properties (extra)" },
      ]),
    );
    const refused = await admin.request("plugins.enable", { id: "strict-config" });
    expect(refused).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", details: { issues: info.configIssues } } });
    expect((refused.error as { message: string }).message).toMatch(/^plugin strict-config: invalid config: /);
    expect(await advertised(edgeA)).not.toContain("strict.port");
    expect(existsSync(marker)).toBe(false);

    // The same plugin with a valid config loads, and only then does its code run: the marker
    // above could have caught it.
    plugins.entries["strict-config"] = { config: { port: 8080 } };
    writeConfig(config);
    await waitFor(async () => (await pluginRow("strict-config"))?.state === "loaded", { message: "strict-config did not load once valid" });
    expect(await admin.request("strict.port", {})).toMatchObject({ ok: true, payload: { port: 8080 } });
    expect(existsSync(marker)).toBe(true);
  });
});
