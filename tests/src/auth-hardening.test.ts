import { type AppProcess, type NatsServer, RawClient, connectParams, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestDevice, connectWithDevice } from "./auth-device.js";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// What the original lacks (spec §12.8): failed-auth limits per address (shared by edges),
// Origin checks on browser upgrades, forwarding headers believed only from trusted proxies,
// and no secret in any log line. Linux loopback answers all of 127/8, so clients can come
// from distinct addresses (127.0.0.2, 127.0.0.3 …) by binding their end of the socket.

let nats: NatsServer;
let stack: Stack;
let edgeA: { edge: AppProcess; url: string };
let edgeB: { edge: AppProcess; url: string };

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({
    natsUrl: nats.url,
    env: { CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "127.0.0.1", CLAWDBOT_GATEWAY_ALLOWED_ORIGINS: "https://ui.example.com" },
  });
  edgeA = await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-a" });
  edgeB = await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-b" });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

async function connectFrom(url: string, localAddress: string, token: string) {
  const client = await RawClient.open(url, { localAddress });
  await client.next((f) => f.event === "connect.challenge");
  const hello = await client.request("connect", connectParams({ token, client: { id: "cli", mode: "cli" } }));
  return { client, hello };
}

describe("failed-auth rate limit", () => {
  test("twenty wrong tokens from one address are limited with retryAfterMs; other addresses are not", async () => {
    const results: { code: string; retryAfterMs?: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const { client, hello } = await connectFrom(edgeA.url, "127.0.0.2", `wrong-${i}`);
      assertOriginalFrame(hello);
      results.push(hello.error as { code: string; retryAfterMs?: number });
      expect((await client.closed).code).toBe(1008);
    }
    expect(results.slice(0, 10).every((e) => e.code === "INVALID_REQUEST")).toBe(true);
    const limited = results.slice(10);
    expect(limited.every((e) => e.code === "RATE_LIMITED")).toBe(true);
    for (const e of limited) {
      expect(e.retryAfterMs).toBeGreaterThan(0);
      expect(e.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    // Locked out means locked out: the right token from that address waits too.
    const right = await connectFrom(edgeA.url, "127.0.0.2", stack.token);
    expect(right.hello).toMatchObject({ ok: false, error: { code: "RATE_LIMITED", message: "unauthorized: too many failed attempts (retry later)", retryable: true } });

    // Another address, directly or behind the trusted proxy, is unaffected.
    const other = await connectFrom(edgeA.url, "127.0.0.3", stack.token);
    expect(other.hello.ok).toBe(true);
    other.client.close();
    const proxied = await RawClient.open(edgeA.url, { headers: { "x-forwarded-for": "198.51.100.77" } });
    await proxied.next((f) => f.event === "connect.challenge");
    expect((await proxied.request("connect", connectParams({ token: stack.token }))).ok).toBe(true);
    proxied.close();

    // The other edge counts the same failures.
    await waitFor(
      async () => {
        const attempt = await connectFrom(edgeB.url, "127.0.0.2", stack.token);
        attempt.client.close();
        return (attempt.hello.error as { code?: string } | undefined)?.code === "RATE_LIMITED";
      },
      { timeoutMs: 10_000, intervalMs: 200, message: "edge B did not share edge A's failure count" },
    );
  });

  test("a wrong token at upgrade counts too, and a limited address gets HTTP 429", async () => {
    for (let i = 0; i < 10; i++) {
      await expect(RawClient.open(`${edgeA.url}/?token=wrong-${i}`, { localAddress: "127.0.0.4" })).rejects.toThrow(/HTTP 401/);
    }
    await expect(RawClient.open(`${edgeA.url}/?token=${stack.token}`, { localAddress: "127.0.0.4" })).rejects.toThrow(/HTTP 429/);
  });
});

describe("browser origins", () => {
  test("no Origin and the gateway's own origin pass; a listed origin passes; any other is refused with 403", async () => {
    const port = new URL(edgeA.url).port;
    const same = await RawClient.open(edgeA.url, { origin: `http://127.0.0.1:${port}` });
    same.close();
    const listed = await RawClient.open(edgeA.url, { origin: "https://ui.example.com" });
    listed.close();
    await expect(RawClient.open(edgeA.url, { origin: "https://evil.example" })).rejects.toThrow(/HTTP 403/);
    await expect(RawClient.open(edgeA.url, { origin: "null" })).rejects.toThrow(/HTTP 403/);
  });
});

describe("forwarding headers", () => {
  test("an untrusted peer's X-Forwarded-For is ignored, and makes the connection non-local", async () => {
    const solo = await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-solo", CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "" });
    // Claiming to be local through a header is exactly what a remote attacker would try.
    const spoof = { headers: { "x-forwarded-for": "127.0.0.1" } };
    const { client, hello } = await connectWithDevice(solo.url, new TestDevice(), { token: stack.token, useNonce: false, socket: spoof });
    expect(hello).toMatchObject({ ok: false, error: { message: "device nonce required" } });
    client.close();
    const signed = await connectWithDevice(solo.url, new TestDevice(), { token: stack.token, socket: spoof });
    expect(signed.hello).toMatchObject({ ok: false, error: { code: "NOT_PAIRED", message: "pairing required" } });
    await solo.edge.stop();
  });
});

test("no secret reaches any log line", async () => {
  const device = new TestDevice();
  const paired = await connectWithDevice(edgeA.url, device, { token: stack.token, socket: { localAddress: "127.0.0.9" } });
  const deviceToken = (paired.hello.payload as { auth: { deviceToken: string } }).auth.deviceToken;
  paired.client.close();
  const viaToken = await connectWithDevice(edgeB.url, device, { token: deviceToken, socket: { localAddress: "127.0.0.9" } });
  expect(viaToken.hello.ok).toBe(true);
  viaToken.client.close();
  const signatures = [paired.proof.signature, viaToken.proof.signature] as string[];
  const logs = [...edgeA.edge.logs, ...edgeB.edge.logs].map((line) => JSON.stringify(line));
  expect(logs.some((l) => l.includes(device.id))).toBe(true); // the device is logged, by id
  for (const secret of [stack.token, deviceToken, ...signatures]) expect(logs.filter((l) => l.includes(secret))).toEqual([]);
});
