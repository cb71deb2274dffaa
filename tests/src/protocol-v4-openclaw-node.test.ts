import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsServer, startNatsServer } from "@clawdbot/testkit";
import { OpenClawClient as OpenClawClientV3 } from "openclaw-node-v3";
import { OpenClawClient as OpenClawClientV4 } from "openclaw-node-v4";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { Stack } from "./stack.js";

// The published third-party client `openclaw-node` against one edge: 0.14.0 speaks protocol 4
// (4..4, device signed v2), 0.1.0 protocol 3 (3..3). Both are installed under aliases. On Node
// 20 0.14.0 needs a global WebSocket: `ws`'s, as its README says.

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const clients = { v4: OpenClawClientV4, v3: OpenClawClientV3 };
type OpenClawClient = OpenClawClientV4 | OpenClawClientV3;

let nats: NatsServer;
let stack: Stack;
let url: string;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_ECHO_WORD_DELAY_MS: "10" } });
  await stack.start("session-manager");
  ({ url } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

function open(version: keyof typeof clients): OpenClawClient {
  const deviceIdentityPath = join(mkdtempSync(join(tmpdir(), "openclaw-node-")), "device-identity.json");
  return new clients[version]({ url, token: stack.token, deviceIdentityPath, autoReconnect: false });
}

async function streamedText(client: OpenClawClient, message: string): Promise<string> {
  let text = "";
  for await (const chunk of client.chat(message, { sessionKey: "agent:main:main" })) {
    if (chunk.type === "text") text += chunk.text;
    if (chunk.type === "error") throw new Error(`chat failed: ${chunk.text}`);
  }
  return text;
}

describe("openclaw-node from npm, both releases, on one edge", () => {
  test("0.14.0 (protocol 4) connects, calls health and streams a chat reply; 0.1.0 (protocol 3) does too, at the same time", async () => {
    const v4 = open("v4");
    const v3 = open("v3");
    const [helloV4, helloV3] = await Promise.all([v4.connect(), v3.connect()]);
    expect(helloV4).toMatchObject({ protocol: 4, auth: { scopes: ["operator.read", "operator.write"] } });
    expect(helloV3).toMatchObject({ protocol: 3 });
    for (const client of [v4, v3]) expect(await client.health()).toMatchObject({ ok: true });
    const [textV4, textV3] = await Promise.all([streamedText(v4, "alpha beta gamma delta"), streamedText(v3, "one two three")]);
    expect(textV4).toContain("alpha beta gamma delta");
    expect(textV3).toContain("one two three");
    await Promise.all([v4.disconnect(), v3.disconnect()]);
  });
});
