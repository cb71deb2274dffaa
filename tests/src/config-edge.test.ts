import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { publishEvent } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { type AppProcess, type Frame, type LogLine, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { type NatsConnection, connect } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// The edges following the effective config end to end: config-service watching a real file,
// edges as processes, real WebSocket clients. Hot auth changes apply to the next connection
// without a restart; restart-class changes restart the listeners, one edge at a time.

const DEADLINE = { timeoutMs: 20_000, intervalMs: 100 };
// Neither config-service nor edge A has a token in its environment: the file is the only source.
const NO_ENV_TOKEN = { CLAWDBOT_GATEWAY_TOKEN: "" };
// Polling with a token that is not in force yet counts as failed auth; the limit would lock the test out.
const EDGE_ENV = { CLAWDBOT_AUTH_RATE_LIMIT: "0" };
const EDGE_B_TOKEN = "edge-b-own-token";

let nats: NatsServer;
let stack: Stack;
let nc: NatsConnection;
let configPath: string;
let service: AppProcess;
let edgeA: { edge: AppProcess; url: string };
let edgeB: { edge: AppProcess; url: string };
const open: RawClient[] = [];

function writeConfig(gateway: Record<string, unknown>): void {
  writeFileSync(configPath, `// edited by hand\n${JSON.stringify({ gateway: { reload: { debounceMs: 100 }, ...gateway } }, null, 2)}\n`);
}

/** One connect with `token`: whether hello-ok came back, and the error message if not. */
async function attempt(url: string, token: string): Promise<{ ok: boolean; message?: string }> {
  const { client, hello } = await RawClient.connect(url, { token });
  client.close();
  return { ok: hello.ok === true, message: (hello.error as { message?: string } | undefined)?.message };
}

const accepts = async (url: string, token: string) => (await attempt(url, token)).ok;

async function connected(url: string, token: string, scopes?: string[]): Promise<RawClient> {
  const { client, hello } = await RawClient.connect(url, scopes ? { token, scopes } : { token });
  expect(hello).toMatchObject({ ok: true });
  open.push(client);
  return client;
}

/** The log lines of `app` from `mark` on. */
const since = (app: AppProcess, mark: number) => app.logs.slice(mark);
const waitForLogSince = (app: AppProcess, mark: number, msg: string) =>
  app.waitForLog((l: LogLine) => app.logs.indexOf(l) >= mark && l.msg === msg, DEADLINE.timeoutMs);

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url });
  configPath = join(stack.stateDir, "moltbot.json");
  writeConfig({ auth: { token: "file-token-1" } });
  service = await stack.start("config-service", NO_ENV_TOKEN);
  edgeA = await stack.startEdge({ ...NO_ENV_TOKEN, ...EDGE_ENV, CLAWDBOT_EDGE_ID: "edge-a" });
  // Edge B has its own token: the edge's environment beats the file, not a runtime override.
  edgeB = await stack.startEdge({ ...EDGE_ENV, CLAWDBOT_GATEWAY_TOKEN: EDGE_B_TOKEN, CLAWDBOT_EDGE_ID: "edge-b" });
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  for (const client of open) client.close();
  await nc?.drain();
  await stack?.stop();
  await nats?.stop();
});

describe("hot auth from the config file", () => {
  test("an edge with no token of its own starts with the file's, and says where each setting came from", async () => {
    const line = await edgeA.edge.waitForLog((l) => l.msg === "auth settings");
    expect(line.sources).toMatchObject({ "gateway.auth.token": "file" });
    expect(await attempt(edgeA.url, "file-token-1")).toEqual({ ok: true, message: undefined });
    const bLine = await edgeB.edge.waitForLog((l) => l.msg === "auth settings");
    expect(bLine.sources).toMatchObject({ "gateway.auth.token": "edge-env" });
    expect(await accepts(edgeB.url, EDGE_B_TOKEN)).toBe(true);
    expect(await accepts(edgeB.url, "file-token-1")).toBe(false);
  });

  test("a hand edit of the token applies to new connections; old sockets stay; no process restarts", async () => {
    const pid = edgeA.edge.pid;
    const before = await connected(edgeA.url, "file-token-1");
    writeConfig({ auth: { token: "file-token-2" } });
    await waitFor(() => accepts(edgeA.url, "file-token-2"), { ...DEADLINE, message: "new token not accepted" });
    const old = await attempt(edgeA.url, "file-token-1");
    expect(old.ok).toBe(false);
    expect(old.message).toMatch(/^unauthorized: gateway token mismatch/);
    // The socket opened with the old token is still there and still answered.
    expect(await before.request("health")).toMatchObject({ ok: true });
    expect([edgeA.edge.pid, edgeA.edge.running]).toEqual([pid, true]);
    const updated = await edgeA.edge.waitForLog((l) => l.msg === "auth settings updated; they apply to new connections");
    expect(updated.changed).toEqual(["gateway.auth.token"]);
    // Never the value itself.
    expect(JSON.stringify(edgeA.edge.logs)).not.toContain("file-token-2");
  });

  test("an edit config-service refuses leaves the old token in force", async () => {
    const mark = service.logs.length;
    writeFileSync(configPath, JSON.stringify({ gateway: { auth: { token: "file-token-3" }, prot: 1 } }));
    await service.waitForLog((l) => service.logs.indexOf(l) >= mark && String(l.msg).startsWith("config reload skipped (invalid config)"), DEADLINE.timeoutMs);
    expect(await accepts(edgeA.url, "file-token-2")).toBe(true);
    expect(await accepts(edgeA.url, "file-token-3")).toBe(false);
  });

  test("settings valid for the config but unusable by the edge are refused by the edge; the old ones stay", async () => {
    const mark = edgeA.edge.logs.length;
    writeConfig({ auth: { token: "file-token-4" }, trustedProxies: ["not-an-ip"] });
    const refused = await waitForLogSince(edgeA.edge, mark, "auth settings from the config refused; the previous ones stay in force");
    expect(refused.issues).toBe("trustedProxies.0: not an IP address or CIDR range: not-an-ip");
    expect(await accepts(edgeA.url, "file-token-2")).toBe(true);
    expect(await accepts(edgeA.url, "file-token-4")).toBe(false);
    // Fixed: applies again.
    writeConfig({ auth: { token: "file-token-5" }, trustedProxies: ["10.0.0.1"] });
    await waitFor(() => accepts(edgeA.url, "file-token-5"), { ...DEADLINE, message: "fixed edit not applied" });
    expect(await accepts(edgeA.url, "file-token-2")).toBe(false);
  });
});

describe("runtime overrides", () => {
  test("config.override.set gateway.auth.token changes the token on every edge, above the edge's own env; clear restores", async () => {
    const fileBefore = readFileSync(configPath, "utf8");
    const admin = await connected(edgeA.url, "file-token-5");
    const set = await admin.request("config.override.set", { path: "gateway.auth.token", value: "override-token" });
    expect(set).toMatchObject({ ok: true, payload: { ok: true, overrides: ["gateway.auth.token"], plan: { hotPaths: ["gateway.auth.token"], restart: false } } });
    for (const { url } of [edgeA, edgeB]) {
      await waitFor(() => accepts(url, "override-token"), { ...DEADLINE, message: `override not applied at ${url}` });
    }
    expect(await accepts(edgeA.url, "file-token-5")).toBe(false);
    expect(await accepts(edgeB.url, EDGE_B_TOKEN)).toBe(false);
    const overridden = await edgeB.edge.waitForLog((l) => l.msg === "auth settings updated; they apply to new connections" && (l.sources as Record<string, string>)["gateway.auth.token"] === "override");
    expect(overridden.changed).toEqual(["gateway.auth.token"]);

    expect(await admin.request("config.override.clear", { path: "gateway.auth.token" })).toMatchObject({ ok: true, payload: { overrides: [] } });
    await waitFor(() => accepts(edgeA.url, "file-token-5"), { ...DEADLINE, message: "edge A not back on the file's token" });
    await waitFor(() => accepts(edgeB.url, EDGE_B_TOKEN), { ...DEADLINE, message: "edge B not back on its own token" });
    expect(await accepts(edgeA.url, "override-token")).toBe(false);
    expect(await accepts(edgeB.url, "override-token")).toBe(false);
    expect(readFileSync(configPath, "utf8")).toBe(fileBefore);
  });
});

describe("config.changed", () => {
  test("reaches admin clients only; pairing and read-only clients do not get it", async () => {
    const admin = await connected(edgeA.url, "file-token-5");
    const reader = await connected(edgeA.url, "file-token-5", ["operator.read"]);
    const pairer = await connected(edgeB.url, EDGE_B_TOKEN, ["operator.pairing"]);
    const adminB = await connected(edgeB.url, EDGE_B_TOKEN, ["operator.admin"]);
    const set = await admin.request("config.override.set", { path: "agents.defaults.timeoutSeconds", value: 33 });
    expect(set).toMatchObject({ ok: true });
    const events: Frame[] = [];
    for (const client of [admin, adminB]) events.push(await client.next((f) => f.event === "config.changed", DEADLINE.timeoutMs));
    for (const event of events) {
      assertOriginalFrame(event);
      expect(event.payload).toEqual({
        hash: expect.any(String),
        effectiveHash: expect.any(String),
        changedPaths: ["agents.defaults.timeoutSeconds"],
        restart: false,
        mode: "hybrid",
        source: "override",
      });
    }
    // Pairing events still reach operator.pairing; a marker after both shows nothing else is coming.
    const names = natsNames(stack.prefix);
    publishEvent(nc, names, "device.pair.requested", { requestId: "r-config", deviceId: "d1", publicKey: "k", ts: 1 });
    publishEvent(nc, names, "heartbeat", { marker: "config-changed-done" });
    for (const client of [reader, pairer, admin]) await client.next((f) => (f.payload as { marker?: string } | undefined)?.marker === "config-changed-done");
    expect(reader.frames.filter((f) => f.event === "config.changed")).toHaveLength(0);
    expect(pairer.frames.filter((f) => f.event === "config.changed")).toHaveLength(0);
    expect(pairer.frames.filter((f) => f.event === "device.pair.requested")).toHaveLength(1);
    expect(reader.frames.filter((f) => f.event === "device.pair.requested")).toHaveLength(0);
    await admin.request("config.override.clear", {});
  });
});

describe("restart-class changes", () => {
  test("gateway.port in the file: each edge restarts its listener in turn (shutdown, 1012), clients reconnect, pids stay", async () => {
    const pids = [edgeA.edge.pid, edgeB.edge.pid];
    const marks = [edgeA.edge.logs.length, edgeB.edge.logs.length];
    const clientA = await connected(edgeA.url, "file-token-5");
    const clientB = await connected(edgeB.url, EDGE_B_TOKEN);
    // The edges' own CLAWDBOT_GATEWAY_PORT=0 wins for their listeners: they re-listen where they were.
    writeConfig({ auth: { token: "file-token-5" }, trustedProxies: ["10.0.0.1"], port: 19555 });
    for (const client of [clientA, clientB]) {
      const shutdown = await client.next((f) => f.event === "shutdown", DEADLINE.timeoutMs);
      expect(shutdown.payload).toEqual({ reason: "config change", restartExpectedMs: 2000 });
      assertOriginalFrame(shutdown);
      expect(await client.closed).toEqual({ code: 1012, reason: "service restart" });
    }
    await waitFor(() => accepts(edgeA.url, "file-token-5"), { ...DEADLINE, message: "edge A not back" });
    await waitFor(() => accepts(edgeB.url, EDGE_B_TOKEN), { ...DEADLINE, message: "edge B not back" });
    expect([edgeA.edge.pid, edgeA.edge.running, edgeB.edge.pid, edgeB.edge.running]).toEqual([pids[0], true, pids[1], true]);

    // One at a time: one edge's restart ends before the other's begins (the edge-restart lease).
    const spans = await Promise.all(
      [edgeA.edge, edgeB.edge].map(async (edge, i) => {
        const begin = await waitForLogSince(edge, marks[i]!, "listener restart: begin");
        const end = await waitForLogSince(edge, marks[i]!, "listener restarted");
        expect(begin.from).toEqual(begin.to);
        expect(since(edge, marks[i]!).filter((l) => l.msg === "listener restart: begin")).toHaveLength(1);
        return { begin: Date.parse(String(begin.time)), end: Date.parse(String(end.time)) };
      }),
    );
    const [first, second] = spans.sort((x, y) => x.begin - y.begin);
    expect(first!.end).toBeLessThanOrEqual(second!.begin);
  });

  test("gateway.reload.mode hot: a restart-class change is left unapplied and clients stay connected", async () => {
    const mark = edgeA.edge.logs.length;
    const client = await connected(edgeA.url, "file-token-5");
    writeConfig({ auth: { token: "file-token-6" }, trustedProxies: ["10.0.0.1"], port: 19556, reload: { mode: "hot", debounceMs: 100 } });
    const left = await waitForLogSince(edgeA.edge, mark, "restart-class change left unapplied until the next restart (gateway.reload.mode is hot)");
    expect(left.paths).toEqual(["gateway.port"]);
    // Hot paths of the same edit still apply.
    await waitFor(() => accepts(edgeA.url, "file-token-6"), { ...DEADLINE, message: "hot part of the edit not applied" });
    expect(await client.request("health")).toMatchObject({ ok: true });
    expect(client.frames.filter((f) => f.event === "shutdown")).toHaveLength(0);
    expect(since(edgeA.edge, mark).filter((l) => l.msg === "listener restart requested (config change)")).toHaveLength(0);
  });
});
