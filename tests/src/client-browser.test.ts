// The browser build (dist/browser/client.js) in a real headless Chromium: a page on localhost
// imports it, connects to a real edge with the browser's own WebSocket, calls `health`, and
// shows events, all asserted through the DOM.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishEvent } from "@clawdbot/nats-rpc";
import { natsNames } from "@clawdbot/protocol";
import { type NatsServer, startNatsServer, waitFor } from "@clawdbot/testkit";
import { connect, type NatsConnection } from "nats";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { browserBundle, requireProtocolBuild } from "./protocol-build.js";
import { Stack } from "./stack.js";

// Debian's chromium (.ci/run installs it): playwright's own browser downloads do not work here.
const CHROMIUM = "/usr/bin/chromium";

const page = String.raw`<!doctype html>
<html>
<head><meta charset="utf-8"><title>gateway client</title></head>
<body>
<p id="status">loading</p>
<pre id="health"></pre>
<pre id="event"></pre>
<pre id="tick"></pre>
<script type="module">
import { GatewayClient } from "/client.js";
const query = new URLSearchParams(location.search);
const show = (id, text) => { document.getElementById(id).textContent = text; };
// No WebSocket option: the page's own WebSocket is used.
const client = new GatewayClient({
  url: query.get("gateway"),
  token: query.get("token"),
  client: { id: "webchat", mode: "webchat", version: "1.0.0" },
});
client.on("heartbeat", (payload) => show("event", JSON.stringify(payload)));
client.on("tick", (payload, event) => show("tick", "tick seq " + event.seq + " ts " + payload.ts));
try {
  const hello = await client.connect();
  show("status", "connected protocol " + hello.protocol + " platform " + navigator.platform);
  show("health", JSON.stringify(await client.call("health")));
} catch (err) {
  show("status", "error " + err.code + " " + err.message);
}
</script>
</body>
</html>`;

let nats: NatsServer;
let nc: NatsConnection;
let stack: Stack;
let edgeUrl: string;
let http: Server;
let httpUrl: string;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  requireProtocolBuild();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does it)`);
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_TICK_INTERVAL_MS: "300" } });
  await stack.start("session-manager");

  const bundle = readFileSync(browserBundle);
  http = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    else if (path === "/client.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(bundle);
    else if (path === "/client.js.map") res.writeHead(200, { "content-type": "application/json" }).end(readFileSync(`${browserBundle}.map`));
    else if (path === "/favicon.ico") res.writeHead(204).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // The page is served from another port than the edge's: a cross-origin upgrade the edge
  // refuses unless the page's origin is allowed (gateway.controlUi.allowedOrigins).
  edgeUrl = (await stack.startEdge({ CLAWDBOT_GATEWAY_ALLOWED_ORIGINS: httpUrl })).url;

  profile = mkdtempSync(join(tmpdir(), "clawdbot-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    timeout: 60_000,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
  await nc?.close();
  await stack?.stop();
  await nats?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const text = async (p: Page, id: string) => (await p.textContent(`#${id}`)) ?? "";

describe("browser build in headless Chromium", () => {
  test("the bundle is self-contained and carries no `ws`", () => {
    const source = readFileSync(browserBundle, "utf8");
    expect(source).not.toMatch(/from\s*["']ws["']|require\(["']ws["']\)|ws does not work in the browser/);
    expect(source).not.toMatch(/from\s*["']node:|from\s*["']zod["']/); // zod is bundled, not imported
  });

  test("a page connects, calls health and shows events", async () => {
    const tab = await browser.newPage();
    const problems: string[] = [];
    tab.on("pageerror", (err) => problems.push(err.message));
    tab.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    await tab.goto(`${httpUrl}/?gateway=${encodeURIComponent(edgeUrl)}&token=${encodeURIComponent(stack.token)}`);

    // Predicates run in the page; as strings because this file is compiled without DOM types.
    await tab.waitForFunction(`document.getElementById("health").textContent !== "" || document.getElementById("status").textContent.startsWith("error")`, undefined, { timeout: 30_000 });
    expect(await text(tab, "status"), problems.join("\n")).toMatch(/^connected protocol 3 platform /);
    const health = JSON.parse(await text(tab, "health")) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, services: { "session-manager": expect.any(Object) } });

    // An event published by a service on NATS reaches the page through the edge.
    const marker = `from-nats-${Date.now()}`;
    await waitFor(
      async () => {
        publishEvent(nc, natsNames(stack.prefix), "heartbeat", { marker });
        await nc.flush();
        return (await text(tab, "event")).includes(marker);
      },
      { timeoutMs: 30_000, intervalMs: 500, message: "the heartbeat event never showed on the page" },
    );
    expect(JSON.parse(await text(tab, "event"))).toEqual({ marker });
    await tab.waitForFunction(`document.getElementById("tick").textContent.startsWith("tick seq ")`, undefined, { timeout: 30_000 });
    expect(problems).toEqual([]);
    if (process.env.CLAWDBOT_SCREENSHOT) await tab.screenshot({ path: process.env.CLAWDBOT_SCREENSHOT });
    await tab.close();
  });
});
