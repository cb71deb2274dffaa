import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventHeaders } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { type Frame, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { type NatsConnection, connect as connectNats } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// The bundled plugins, end to end: voicewake (spec §7.9) across two edges and two plugin-host
// replicas, and pulse (a service driven by its config).

let nats: NatsServer;
let nc: NatsConnection;
let stack: Stack;
let edgeA: string;
let edgeB: string;
let configPath: string;
let workspace: string;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats({ servers: nats.url });
  stack = new Stack({ natsUrl: nats.url });
  workspace = mkdtempSync(join(tmpdir(), "clawdbot-workspace-"));
  configPath = join(stack.stateDir, "moltbot.json");
  writeFileSync(configPath, JSON.stringify({ agents: { defaults: { workspace } } }));
  await stack.start("plugin-host", { CLAWDBOT_CONFIG_POLL_MS: "200" });
  edgeA = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-a" })).url;
  edgeB = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-b" })).url;
});

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await nats?.stop();
});

async function connect(url: string, scopes?: string[]): Promise<RawClient> {
  const { client, hello } = await RawClient.connect(url, { token: stack.token, ...(scopes ? { scopes } : {}) });
  expect(hello.ok).toBe(true);
  return client;
}

const changed = (client: RawClient) => client.next((f: Frame) => f.type === "event" && f.event === "voicewake.changed");

describe("voicewake (bundled plugin, enabled by default)", () => {
  test("voicewake.set from one client broadcasts voicewake.changed to clients of every edge, with dropIfSlow", async () => {
    const setter = await connect(edgeA);
    const onA = await connect(edgeA, ["operator.read"]);
    const onB = await connect(edgeB, ["operator.read"]);
    const alsoOnB = await connect(edgeB);
    await waitFor(async () => (await onB.request("voicewake.get", {})).ok, { message: "voicewake.get never served" });
    expect(await onB.request("voicewake.get", {})).toMatchObject({ ok: true, payload: { triggers: ["clawd", "claude", "computer"] } });

    const onBus = nc.subscribe(natsNames(stack.prefix).event("voicewake.changed"), { max: 1 });
    const res = await setter.request("voicewake.set", { triggers: ["  hey clawd ", "", "computer", 7] });
    expect(res).toMatchObject({ ok: true, payload: { triggers: ["hey clawd", "computer"] } });

    for (const client of [setter, onA, onB, alsoOnB]) {
      const event = await changed(client);
      expect(event).toMatchObject({ type: "event", event: "voicewake.changed", payload: { triggers: ["hey clawd", "computer"] }, seq: expect.any(Number) });
      assertOriginalFrame(event);
    }
    for await (const msg of onBus) expect(msg.headers?.get(EventHeaders.dropIfSlow)).toBe("1");

    expect(await onB.request("voicewake.get", {})).toMatchObject({ ok: true, payload: { triggers: ["hey clawd", "computer"] } });
    for (const client of [setter, onA, onB, alsoOnB]) client.close();
  });

  test("the original's errors and scopes: a non-array is refused, set needs operator.write", async () => {
    const admin = await connect(edgeB);
    expect(await admin.request("voicewake.set", { triggers: "clawd" })).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST", message: "voicewake.set requires triggers: string[]" },
    });
    // An empty list falls back to the defaults.
    expect(await admin.request("voicewake.set", { triggers: [] })).toMatchObject({ ok: true, payload: { triggers: ["clawd", "claude", "computer"] } });
    const reader = await connect(edgeA, ["operator.read"]);
    expect((await reader.request("voicewake.set", { triggers: ["x"] })).error).toEqual({ code: "INVALID_REQUEST", message: "missing scope: operator.write" });
    admin.close();
    reader.close();
  });

});

describe("pulse (bundled, off by default): a service configured through its manifest schema", () => {
  const pulses = (client: RawClient, event: string) => client.frames.filter((f) => f.type === "event" && f.event === event);
  const writePulseConfig = (pulse: Record<string, unknown>) =>
    writeFileSync(configPath, JSON.stringify({ agents: { defaults: { workspace } }, plugins: { entries: { pulse } } }));

  test("enabled with a config it beats on its interval; a new config is applied in place; an invalid one stops it", async () => {
    const client = await connect(edgeB, ["operator.read"]);
    // Not served: for a non-admin an unknown method is a missing admin scope (spec §4.6); once
    // the plugin runs, the `read` scope it declared lets this client call it.
    expect(await client.request("pulse.status", {})).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "missing scope: operator.admin" } });

    writePulseConfig({ enabled: true, config: { intervalMs: 150, message: "still here" } });
    await waitFor(() => pulses(client, "pulse").length >= 2, { message: "no pulse events" });
    expect(pulses(client, "pulse")[0]).toMatchObject({ payload: { seq: 1, message: "still here", instanceId: expect.stringMatching(/^plugin-host-/) } });
    // `event` was not configured: the schema's default ("pulse") was filled in.
    expect(await client.request("pulse.status", {})).toMatchObject({ ok: true, payload: { running: true, intervalMs: 150, event: "pulse" } });

    writePulseConfig({ enabled: true, config: { intervalMs: 100, event: "pulse.fast" } });
    await waitFor(() => pulses(client, "pulse.fast").length >= 2, { message: "the new config was not applied" });
    const admin = await connect(edgeA);
    // Applied through the plugin's config_changed hook: its worker was not restarted.
    expect(await admin.request("plugins.info", { id: "pulse" })).toMatchObject({ ok: true, payload: { state: "loaded", restarts: 0, hooks: expect.arrayContaining(["config_changed"]) } });

    writePulseConfig({ enabled: true, config: { intervalMs: 5 } });
    await waitFor(async () => ((await admin.request("plugins.info", { id: "pulse" })).payload as { state?: string }).state === "errored", { message: "invalid config not refused" });
    expect(await admin.request("plugins.info", { id: "pulse" })).toMatchObject({
      payload: { error: "invalid config: intervalMs: must be >= 100", configIssues: [{ path: "plugins.entries.pulse.config.intervalMs", message: "must be >= 100" }] },
    });
    writePulseConfig({ enabled: false });
    client.close();
    admin.close();
  });
});

describe("replicas", () => {
  test("the voicewake triggers are shared by every plugin-host replica and outlive the one that stored them", async () => {
    const client = await connect(edgeA);
    expect(await client.request("voicewake.set", { triggers: ["replicated"] })).toMatchObject({ ok: true });
    const first = stack.apps.find((a) => a.name === "plugin-host")!;
    await stack.start("plugin-host");
    await first.stop();
    await waitFor(async () => (await client.request("voicewake.get", {})).ok, { message: "the second replica never answered" });
    expect(await client.request("voicewake.get", {})).toMatchObject({ ok: true, payload: { triggers: ["replicated"] } });
    client.close();
  });
});
