import { createHash } from "node:crypto";
import { type Frame, type NatsServer, RawClient, connectParams, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestDevice, connectWithDevice } from "./auth-device.js";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// Every row of spec §3.4's failure table, against a real edge, with the exact code, message
// and close. The edge trusts 127.0.0.1 as a proxy, so a test can pose as a remote client with
// X-Forwarded-For; clients without that header stay local-direct.

let nats: NatsServer;
let stack: Stack;
let url: string;

const REMOTE = { headers: { "x-forwarded-for": "203.0.113.10" } };

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_HANDSHAKE_TIMEOUT_MS: "3000", CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "127.0.0.1" } });
  ({ url } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

async function openWithChallenge(): Promise<RawClient> {
  const client = await RawClient.open(url);
  await client.next((f) => f.event === "connect.challenge");
  return client;
}

/** A refused connect: the `res` (validated against the original schema), then the close. */
async function expectRefused(client: RawClient, res: Frame, expected: { code: string; message: string; close: number; reason?: string; details?: unknown }): Promise<void> {
  assertOriginalFrame(res);
  expect(res).toMatchObject({ type: "res", ok: false, error: { code: expected.code, message: expected.message } });
  if (expected.details !== undefined) expect((res.error as { details?: unknown }).details).toEqual(expected.details);
  expect(await client.closed).toEqual({ code: expected.close, reason: expected.reason ?? expected.message });
}

describe("spec §3.4 failure table, row by row", () => {
  test("(a) first message not JSON: no response, close 1000 without a reason", async () => {
    const client = await openWithChallenge();
    client.send("{nope");
    expect(await client.closed).toEqual({ code: 1000, reason: "" });
    expect(client.frames.filter((f) => f.type === "res")).toHaveLength(0);
  });

  test("(b) JSON but not a request frame: no response, close 1008 invalid request frame", async () => {
    const client = await openWithChallenge();
    client.send({ hello: "there" });
    expect(await client.closed).toEqual({ code: 1008, reason: "invalid request frame" });
    expect(client.frames.filter((f) => f.type === "res")).toHaveLength(0);
  });

  test("(c) a first request other than connect", async () => {
    const client = await openWithChallenge();
    const message = "invalid handshake: first request must be connect";
    await expectRefused(client, await client.request("health", {}), { code: "INVALID_REQUEST", message, close: 1008 });
  });

  test("(d) connect params that fail the schema: the summary, reason truncated to 120 bytes", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", { minProtocol: 3, maxProtocol: 3, client: { id: "nope" }, extra: 1 });
    assertOriginalFrame(res);
    const message = (res.error as { message: string }).message;
    expect(res).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    expect(message).toMatch(/^invalid connect params: /);
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(120);
    expect(message.startsWith(closed.reason)).toBe(true);
  });

  test("(e) protocol range without 3 (or 4): details.expectedProtocol, close 1002", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", connectParams({ token: stack.token, minProtocol: 1, maxProtocol: 2 }));
    await expectRefused(client, res, {
      code: "INVALID_REQUEST",
      message: "protocol mismatch",
      close: 1002,
      details: { code: "PROTOCOL_MISMATCH", clientMinProtocol: 1, clientMaxProtocol: 2, expectedProtocol: 3, minimumProtocol: 3, supportedProtocols: [3, 4] },
    });
  });

  test("(f) a role other than operator or node", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", connectParams({ token: stack.token, role: "admin" }));
    await expectRefused(client, res, { code: "INVALID_REQUEST", message: "invalid role", close: 1008 });
  });

  test("(g) the Control UI without a device", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", connectParams({ token: stack.token, client: { id: "moltbot-control-ui", mode: "webchat" } }));
    await expectRefused(client, res, { code: "INVALID_REQUEST", message: "control ui requires HTTPS or localhost (secure context)", close: 1008 });
  });

  test("(h) no device and no token (a password alone does not count)", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", connectParams({ password: "whatever" }));
    await expectRefused(client, res, { code: "NOT_PAIRED", message: "device identity required", close: 1008 });
  });

  test("(i) device id that is not the key's sha256", async () => {
    const device = new TestDevice();
    const { client, hello } = await connectWithDevice(url, device, { token: stack.token, tamper: (p) => ({ ...p, id: new TestDevice().id }) });
    await expectRefused(client, hello, { code: "INVALID_REQUEST", message: "device identity mismatch", close: 1008 });
  });

  test("(j) signedAt more than 10 minutes off", async () => {
    const device = new TestDevice();
    const client = await RawClient.open(url);
    const nonce = ((await client.next((f) => f.event === "connect.challenge")).payload as { nonce: string }).nonce;
    const proof = device.proof({ clientId: "cli", clientMode: "cli", token: stack.token, nonce, signedAt: Date.now() - 11 * 60_000 });
    const res = await client.request("connect", connectParams({ token: stack.token, client: { id: "cli", mode: "cli" }, device: proof }));
    await expectRefused(client, res, { code: "INVALID_REQUEST", message: "device signature expired", close: 1008 });
  });

  test("(k) a remote connection without a nonce", async () => {
    const { client, hello } = await connectWithDevice(url, new TestDevice(), { token: stack.token, useNonce: false, socket: REMOTE });
    await expectRefused(client, hello, { code: "INVALID_REQUEST", message: "device nonce required", close: 1008 });
  });

  test("(l) a nonce that is not the challenge's", async () => {
    const device = new TestDevice();
    const client = await RawClient.open(url);
    await client.next((f) => f.event === "connect.challenge");
    const proof = device.proof({ clientId: "cli", clientMode: "cli", token: stack.token, nonce: "not-the-challenge" });
    const res = await client.request("connect", connectParams({ token: stack.token, client: { id: "cli", mode: "cli" }, device: proof }));
    await expectRefused(client, res, { code: "INVALID_REQUEST", message: "device nonce mismatch", close: 1008 });
  });

  test("(m) a signature that does not verify (signed over other fields)", async () => {
    const { client, hello } = await connectWithDevice(url, new TestDevice(), { token: stack.token, scopes: ["operator.read"], extra: { scopes: ["operator.admin"] } });
    await expectRefused(client, hello, { code: "INVALID_REQUEST", message: "device signature invalid", close: 1008 });
  });

  test("(n) a public key that is not an Ed25519 key", async () => {
    const shortKey = Buffer.alloc(31, 9);
    const { client, hello } = await connectWithDevice(url, new TestDevice(), {
      token: stack.token,
      tamper: (p) => ({ ...p, publicKey: shortKey.toString("base64url"), id: createHash("sha256").update(shortKey).digest("hex") }),
    });
    await expectRefused(client, hello, { code: "INVALID_REQUEST", message: "device public key invalid", close: 1008 });
  });

  test("(o) a wrong shared token, with no device and with a device (not a device token either)", async () => {
    const message = "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)";
    const plain = await openWithChallenge();
    const res = await plain.request("connect", connectParams({ token: "wrong", client: { id: "cli", mode: "cli" } }));
    await expectRefused(plain, res, { code: "INVALID_REQUEST", message, close: 1008 });
    const { client, hello } = await connectWithDevice(url, new TestDevice(), { token: "wrong" });
    await expectRefused(client, hello, { code: "INVALID_REQUEST", message, close: 1008 });
  });

  test("(p) a remote device that is not paired: NOT_PAIRED with a requestId", async () => {
    const { client, hello } = await connectWithDevice(url, new TestDevice(), { token: stack.token, socket: REMOTE });
    await expectRefused(client, hello, { code: "NOT_PAIRED", message: "pairing required", close: 1008 });
    expect((hello.error as { details: { requestId: string } }).details.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("device identity forms the spec allows", () => {
  test("a PEM public key and a standard-base64 signature are accepted; local v1 without a nonce too", async () => {
    const device = new TestDevice();
    const pem = await connectWithDevice(url, device, {
      token: stack.token,
      tamper: (p) => ({ ...p, publicKey: device.publicKeyPem }),
    });
    expect(pem.hello).toMatchObject({ ok: true, payload: { type: "hello-ok", auth: { role: "operator", deviceToken: expect.stringMatching(/^[0-9a-f]{32}$/) } } });
    assertOriginalFrame(pem.hello);
    pem.client.close();

    const v1 = await connectWithDevice(url, device, { token: stack.token, useNonce: false });
    expect(v1.hello.ok).toBe(true);
    v1.client.close();

    const client = await RawClient.open(url);
    const nonce = ((await client.next((f) => f.event === "connect.challenge")).payload as { nonce: string }).nonce;
    const proof = device.proof({ clientId: "cli", clientMode: "cli", token: stack.token, nonce, signatureEncoding: "base64" });
    const res = await client.request("connect", connectParams({ token: stack.token, client: { id: "cli", mode: "cli" }, device: proof }));
    expect(res.ok).toBe(true);
    client.close();
  });

  test("a token client without a device keeps working: no pairing, no device token", async () => {
    const { client, hello } = await RawClient.connect(url, { token: stack.token });
    expect(hello.ok).toBe(true);
    expect(hello.payload).not.toHaveProperty("auth");
    client.close();
  });
});
