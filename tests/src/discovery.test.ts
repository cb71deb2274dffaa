import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AppProcess, type LogLine, type NatsServer, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cliEnv, runCli } from "./cli-helpers.js";
import { enableLoopbackMulticast, testMdnsPort } from "@clawdbot/testkit";
import { Stack } from "./stack.js";

// Edges advertising over real multicast DNS (on loopback, on this file's own port) and
// `clawdbot gateway discover` finding them; Tailscale through a stand-in `tailscale` on PATH.

const mdnsPort = testMdnsPort();
const multicast = await enableLoopbackMulticast(mdnsPort);
if (multicast.skip) console.warn(`skipping discovery e2e tests: ${multicast.skip}`);

const fakeTailscaleDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "fake-tailscale");
const mdnsEnv = { CLAWDBOT_DISCOVERY_MDNS_MODE: "minimal", CLAWDBOT_MDNS_INTERFACE: "127.0.0.1", CLAWDBOT_MDNS_PORT: String(mdnsPort) };
const host = hostname().replace(/\.local\.?$/i, "").split(".")[0]!;

interface DiscoverJson {
  timeoutMs: number;
  domains: string[];
  count: number;
  beacons: { instanceName: string; domain: string; port: number; gatewayPort: number; lanHost: string; tailnetDns?: string; displayName: string; txt: Record<string, string>; wsUrl: string }[];
}

let nats: NatsServer;
let stack: Stack;

beforeAll(async () => {
  if (multicast.skip) return;
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: mdnsEnv });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  multicast.restore();
});

async function discover(timeoutMs = 1_500): Promise<DiscoverJson> {
  const r = await runCli(["gateway", "discover", "--json", "--timeout", String(timeoutMs)], cliEnv({ CLAWDBOT_MDNS_INTERFACE: "127.0.0.1", CLAWDBOT_MDNS_PORT: String(mdnsPort) }));
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as DiscoverJson;
}

async function advertisedEdge(env: NodeJS.ProcessEnv = {}): Promise<{ edge: AppProcess; port: number; advertised: LogLine }> {
  const { edge, url } = await stack.startEdge(env);
  const advertised = await edge.waitForLog((l) => l.msg === "mdns: advertised");
  return { edge, port: Number(new URL(url).port), advertised };
}

describe.skipIf(multicast.skip !== undefined)("mDNS advertising and `clawdbot gateway discover`", () => {
  test("finds two edges with their ports and TXT; a stopped edge says goodbye and is gone from the next browse", async () => {
    const [a, b] = await Promise.all([advertisedEdge(), advertisedEdge()]);
    expect(new Set([a.advertised.instance, b.advertised.instance]).size).toBe(2); // one renamed after probing

    const found = await discover();
    expect(found).toMatchObject({ timeoutMs: 1500, domains: ["local."], count: 2 });
    for (const { port, advertised } of [a, b]) {
      const beacon = found.beacons.find((x) => x.gatewayPort === port)!;
      expect(beacon, `edge on ${port}`).toBeDefined();
      expect(beacon).toMatchObject({ instanceName: advertised.instance, domain: "local.", port, lanHost: `${host}.local`, wsUrl: `ws://${host}.local:${port}` });
      expect(beacon.txt).toEqual({ role: "gateway", transport: "gateway", gatewayPort: String(port), lanHost: `${host}.local`, displayName: beacon.displayName });
      expect(JSON.stringify(beacon)).not.toContain(stack.token);
    }

    const human = await runCli(["gateway", "discover", "--timeout", "1500"], cliEnv({ CLAWDBOT_MDNS_INTERFACE: "127.0.0.1", CLAWDBOT_MDNS_PORT: String(mdnsPort) }));
    expect(human.stdout).toMatch(/^Gateway Discovery\nFound 2 gateway\(s\) · domains: local\.\n- /);
    expect(human.stdout).toContain(`  ws: ws://${host}.local:${a.port}\n`);

    expect(await a.edge.stop()).toMatchObject({ code: 0 });
    expect(a.edge.logs.some((l) => l.msg === "mdns: goodbye sent")).toBe(true);
    const after = await discover();
    expect(after.count).toBe(1);
    expect(after.beacons[0]).toMatchObject({ gatewayPort: b.port });
    await b.edge.stop();
  });

  test("behind a load balancer, CLAWDBOT_ADVERTISE_PORT is the port found, not the edge's own", async () => {
    const { edge, port } = await advertisedEdge({ CLAWDBOT_ADVERTISE_PORT: "18999" });
    const found = await discover();
    const beacon = found.beacons.find((b) => b.gatewayPort === 18999);
    expect(beacon).toMatchObject({ port: 18999, txt: expect.objectContaining({ gatewayPort: "18999" }) });
    expect(found.beacons.some((b) => b.gatewayPort === port)).toBe(false);
    await edge.stop();
  });

  test("full mode adds cliPath and sshPort; CLAWDBOT_DISABLE_BONJOUR turns advertising off", async () => {
    const full = await advertisedEdge({ CLAWDBOT_DISCOVERY_MDNS_MODE: "full", CLAWDBOT_CLI_PATH: "/opt/clawdbot/bin/clawdbot", CLAWDBOT_SSH_PORT: "2222" });
    const off = await stack.startEdge({ CLAWDBOT_DISCOVERY_MDNS_MODE: "full", CLAWDBOT_DISABLE_BONJOUR: "1" });
    // No mode set: off under a test runner (VITEST is in the environment), so other e2e tests never advertise.
    const unset = await stack.startEdge({ CLAWDBOT_DISCOVERY_MDNS_MODE: "" });
    const found = await discover();
    expect(found.count).toBe(1);
    expect(found.beacons[0]!.txt).toMatchObject({ cliPath: "/opt/clawdbot/bin/clawdbot", sshPort: "2222", gatewayPort: String(full.port) });
    for (const { edge } of [off, unset]) expect(edge.logs.some((l) => typeof l.msg === "string" && l.msg.startsWith("mdns:"))).toBe(false);
    await Promise.all([full.edge.stop(), off.edge.stop(), unset.edge.stop()]);
  });
});

describe.skipIf(multicast.skip !== undefined)("Tailscale (a stand-in `tailscale` on PATH)", () => {
  const tailscaleEnv = (log: string, extra: NodeJS.ProcessEnv = {}) => ({
    PATH: `${fakeTailscaleDir}:${process.env.PATH ?? ""}`,
    FAKE_TAILSCALE_LOG: log,
    CLAWDBOT_TAILSCALE_MODE: "serve",
    ...extra,
  });

  test("serve mode runs `tailscale serve --bg --yes <port>`, TXT carries tailnetDns, resetOnExit resets", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "fake-tailscale-")), "calls.log");
    const { edge, port } = await advertisedEdge(tailscaleEnv(log, { CLAWDBOT_TAILSCALE_RESET_ON_EXIT: "1" }));
    const enabled = await edge.waitForLog((l) => l.msg === "tailscale: serve enabled");
    expect(enabled).toMatchObject({ url: "https://studio.tail1234.ts.net/", ws: "wss://studio.tail1234.ts.net" });

    const found = await discover();
    const beacon = found.beacons.find((b) => b.gatewayPort === port)!;
    expect(beacon.txt.tailnetDns).toBe("studio.tail1234.ts.net");
    expect(beacon.wsUrl).toBe(`ws://studio.tail1234.ts.net:${port}`);

    await edge.stop();
    const calls = readFileSync(log, "utf8").trim().split("\n");
    expect(calls).toEqual(["--version", "status --json", `serve --bg --yes ${port}`, "serve reset"]);
  });

  test("funnel without password auth is refused at startup, before tailscale is touched", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "fake-tailscale-")), "calls.log");
    await expect(stack.startEdge(tailscaleEnv(log, { CLAWDBOT_TAILSCALE_MODE: "funnel" }))).rejects.toThrow(
      /tailscale funnel requires gateway auth mode=password \(set gateway.auth.password or CLAWDBOT_GATEWAY_PASSWORD\)/,
    );
    expect(existsSync(log)).toBe(false);
  });

  test("a refused serve is a warning, the edge still advertises; the wide-area zone is written with the tailnet address", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "fake-tailscale-")), "calls.log");
    const stateDir = mkdtempSync(join(tmpdir(), "clawdbot-state-"));
    const { edge, port } = await advertisedEdge(tailscaleEnv(log, { FAKE_TAILSCALE_DENY: "1", CLAWDBOT_DISCOVERY_WIDE_AREA: "1", CLAWDBOT_STATE_DIR: stateDir }));
    const failed = await edge.waitForLog((l) => l.msg === "tailscale: serve failed");
    expect(JSON.stringify(failed.err)).toContain("Access denied: serve config denied");
    await edge.waitForLog((l) => l.msg === "wide-area zone written");
    const zone = readFileSync(join(stateDir, "dns", "clawdbot.internal.db"), "utf8");
    expect(zone).toContain("ns1 IN A 100.101.102.103\n");
    expect(zone).toMatch(new RegExp(`-gateway\\._clawdbot-gw\\._tcp IN SRV 0 0 ${port} `));
    expect(zone).toContain('"tailnetDns=studio.tail1234.ts.net"');
    await edge.stop();
  });
});
