import { type Frame, type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI_SCOPES, TestDevice, connectWithDevice } from "./auth-device.js";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// Pairing and device tokens across two edges sharing one NATS (spec §4.5, §6.3). Both edges
// trust 127.0.0.1 as a proxy, so a test poses as a remote client with X-Forwarded-For.

let nats: NatsServer;
let stack: Stack;
let edgeA: string;
let edgeB: string;

const remote = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
const events = (client: RawClient, name: string): Frame[] => client.frames.filter((f) => f.type === "event" && f.event === name);

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_GATEWAY_TRUSTED_PROXIES: "127.0.0.1" } });
  edgeA = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-a" })).url;
  edgeB = (await stack.startEdge({ CLAWDBOT_EDGE_ID: "edge-b" })).url;
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

/** An operator holding operator.pairing only (shared token, no device), on the given edge. */
async function pairingOperator(url: string): Promise<RawClient> {
  const { client, hello } = await RawClient.connect(url, { token: stack.token, scopes: ["operator.pairing"] });
  expect(hello.ok).toBe(true);
  return client;
}

async function call(client: RawClient, method: string, params: unknown): Promise<Record<string, any>> {
  const res = await client.request(method, params);
  assertOriginalFrame(res);
  if (!res.ok) throw new Error(`${method} failed: ${JSON.stringify(res.error)}`);
  return res.payload as Record<string, any>;
}

describe("local devices: silent pairing and device tokens", () => {
  test("a CLI device on loopback with the shared token is paired at once, and its token works on another edge", async () => {
    const operator = await pairingOperator(edgeB);
    const device = new TestDevice();
    const first = await connectWithDevice(edgeA, device, { token: stack.token, scopes: CLI_SCOPES });
    assertOriginalFrame(first.hello);
    expect(first.hello).toMatchObject({ ok: true, payload: { type: "hello-ok", auth: { role: "operator", scopes: [...CLI_SCOPES].sort(), issuedAtMs: expect.any(Number) } } });
    const deviceToken = (first.hello.payload as { auth: { deviceToken: string } }).auth.deviceToken;
    expect(deviceToken).toMatch(/^[0-9a-f]{32}$/);
    first.client.close();

    // Operators on every edge hear about it; a silent pairing is never "requested".
    const resolved = await operator.next((f) => f.event === "device.pair.resolved" && (f.payload as { deviceId: string }).deviceId === device.id);
    expect(resolved.payload).toMatchObject({ decision: "approved", requestId: expect.any(String), ts: expect.any(Number) });
    expect(events(operator, "device.pair.requested").filter((f) => (f.payload as { deviceId: string }).deviceId === device.id)).toHaveLength(0);

    // Next time only the device token, signed into the proof, through the other edge.
    const again = await connectWithDevice(edgeB, device, { token: deviceToken, scopes: CLI_SCOPES });
    expect(again.hello).toMatchObject({ ok: true, payload: { auth: { deviceToken, role: "operator" } } });
    const list = await call(again.client, "device.pair.list", {});
    const paired = (list.paired as Record<string, any>[]).find((d) => d.deviceId === device.id)!;
    expect(paired).toMatchObject({ publicKey: device.publicKeyRaw, clientId: "cli", roles: ["operator"] });
    expect(paired.tokens).toEqual([expect.objectContaining({ role: "operator", scopes: [...CLI_SCOPES].sort(), lastUsedAtMs: expect.any(Number) })]);
    expect(JSON.stringify(list)).not.toContain(deviceToken);
    again.client.close();
    operator.close();
  });

  test("the device token does not stand in for scopes it was not issued with", async () => {
    const device = new TestDevice();
    const first = await connectWithDevice(edgeA, device, { token: stack.token, scopes: ["operator.read"] });
    const deviceToken = (first.hello.payload as { auth: { deviceToken: string } }).auth.deviceToken;
    first.client.close();
    const wider = await connectWithDevice(edgeB, device, { token: deviceToken, scopes: ["operator.admin"] });
    expect(wider.hello).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)" } });
  });
});

describe("remote devices: operator approval on another edge", () => {
  test("NOT_PAIRED with a requestId, one request per device, approved on edge B, then connected through edge A", async () => {
    const operatorB = await pairingOperator(edgeB);
    const operatorA = await pairingOperator(edgeA);
    const device = new TestDevice();
    const attempt = await connectWithDevice(edgeA, device, { token: stack.token, scopes: CLI_SCOPES, socket: remote("203.0.113.20") });
    expect(attempt.hello).toMatchObject({ ok: false, error: { code: "NOT_PAIRED", message: "pairing required" } });
    expect(await attempt.client.closed).toEqual({ code: 1008, reason: "pairing required" });
    const requestId = (attempt.hello.error as { details: { requestId: string } }).details.requestId;

    const requested = await operatorB.next((f) => f.event === "device.pair.requested" && (f.payload as { requestId: string }).requestId === requestId);
    assertOriginalFrame(requested);
    expect(requested.payload).toMatchObject({ deviceId: device.id, publicKey: device.publicKeyRaw, clientId: "cli", role: "operator", remoteIp: "203.0.113.20", silent: false, ts: expect.any(Number) });

    // Trying again while it waits gives the same request, and no second announcement.
    const retry = await connectWithDevice(edgeB, device, { token: stack.token, scopes: CLI_SCOPES, socket: remote("203.0.113.20") });
    expect((retry.hello.error as { details: { requestId: string } }).details.requestId).toBe(requestId);

    const pending = (await call(operatorB, "device.pair.list", {})).pending as { requestId: string }[];
    expect(pending.map((p) => p.requestId)).toContain(requestId);
    const approved = await call(operatorB, "device.pair.approve", { requestId });
    expect(approved).toMatchObject({ requestId, device: { deviceId: device.id, roles: ["operator"] } });
    expect(JSON.stringify(approved)).not.toMatch(/"token":/);
    await operatorA.next((f) => f.event === "device.pair.resolved" && (f.payload as { requestId: string }).requestId === requestId);

    const connected = await connectWithDevice(edgeA, device, { token: stack.token, scopes: CLI_SCOPES, socket: remote("203.0.113.20") });
    expect(connected.hello).toMatchObject({ ok: true, payload: { auth: { role: "operator", deviceToken: expect.stringMatching(/^[0-9a-f]{32}$/) } } });
    expect(events(operatorB, "device.pair.requested").filter((f) => (f.payload as { deviceId: string }).deviceId === device.id)).toHaveLength(1);

    // Approving twice is an unknown request; a reader may not approve at all.
    expect(await operatorB.request("device.pair.approve", { requestId })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "unknown requestId" } });
    const reader = (await RawClient.connect(edgeA, { token: stack.token, scopes: ["operator.read"] })).client;
    expect(await reader.request("device.pair.list", {})).toMatchObject({ ok: false, error: { message: "missing scope: operator.pairing" } });
    for (const c of [connected.client, operatorA, operatorB, reader]) c.close();
  });

  test("a rejected request is resolved for every operator; the next attempt files a new one", async () => {
    const operator = await pairingOperator(edgeA);
    const device = new TestDevice();
    const attempt = await connectWithDevice(edgeB, device, { token: stack.token, socket: remote("203.0.113.21") });
    const requestId = (attempt.hello.error as { details: { requestId: string } }).details.requestId;
    expect(await call(operator, "device.pair.reject", { requestId })).toEqual({ requestId, deviceId: device.id });
    const resolved = await operator.next((f) => f.event === "device.pair.resolved" && (f.payload as { requestId: string }).requestId === requestId);
    expect(resolved.payload).toMatchObject({ decision: "rejected", deviceId: device.id });
    const again = await connectWithDevice(edgeB, device, { token: stack.token, socket: remote("203.0.113.21") });
    expect(again.hello).toMatchObject({ ok: false, error: { code: "NOT_PAIRED" } });
    expect((again.hello.error as { details: { requestId: string } }).details.requestId).not.toBe(requestId);
    expect(await operator.request("device.pair.reject", { nope: 1 })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: expect.stringMatching(/^invalid device.pair.reject params: /) } });
    operator.close();
  });

  test("a paired operator device asking for the node role needs pairing again (role upgrade)", async () => {
    const device = new TestDevice();
    const local = await connectWithDevice(edgeA, device, { token: stack.token, scopes: ["operator.read"] });
    expect(local.hello.ok).toBe(true);
    local.client.close();
    const asNode = await connectWithDevice(edgeB, device, { token: stack.token, role: "node", client: { id: "node-host", mode: "node" }, socket: remote("203.0.113.22") });
    expect(asNode.hello).toMatchObject({ ok: false, error: { code: "NOT_PAIRED", message: "pairing required" } });
    const widerScopes = await connectWithDevice(edgeB, device, { token: stack.token, scopes: ["operator.write"], socket: remote("203.0.113.22") });
    expect(widerScopes.hello).toMatchObject({ ok: false, error: { code: "NOT_PAIRED", message: "pairing required" } });
  });
});

describe("revoking and rotating device tokens", () => {
  test("a revoked token is refused on every edge, and its live session is closed", async () => {
    const device = new TestDevice();
    const first = await connectWithDevice(edgeA, device, { token: stack.token, scopes: CLI_SCOPES });
    const deviceToken = (first.hello.payload as { auth: { deviceToken: string } }).auth.deviceToken;
    first.client.close();
    const live = await connectWithDevice(edgeA, device, { token: deviceToken, scopes: CLI_SCOPES });
    expect(live.hello.ok).toBe(true);

    const operator = await pairingOperator(edgeB);
    const revoked = await call(operator, "device.token.revoke", { deviceId: device.id, role: "operator" });
    expect(revoked).toMatchObject({ deviceId: device.id, role: "operator", revokedAtMs: expect.any(Number) });

    expect(await live.client.closed).toEqual({ code: 1008, reason: "device token revoked" });
    const refusal = "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)";
    for (const url of [edgeA, edgeB]) {
      await waitFor(
        async () => {
          const attempt = await connectWithDevice(url, device, { token: deviceToken, scopes: CLI_SCOPES });
          attempt.client.close();
          return !attempt.hello.ok && (attempt.hello.error as { message: string }).message === refusal;
        },
        { timeoutMs: 10_000, intervalMs: 200, message: `revoked token still accepted by ${url}` },
      );
    }

    // Rotation hands out a new token that every edge accepts at once; the old one stays dead.
    const rotated = await call(operator, "device.token.rotate", { deviceId: device.id, role: "operator" });
    expect(rotated).toMatchObject({ deviceId: device.id, role: "operator", token: expect.stringMatching(/^[0-9a-f]{32}$/), scopes: [...CLI_SCOPES].sort() });
    for (const url of [edgeA, edgeB]) {
      const withNew = await connectWithDevice(url, device, { token: rotated.token as string, scopes: CLI_SCOPES });
      expect(withNew.hello).toMatchObject({ ok: true, payload: { auth: { deviceToken: rotated.token } } });
      withNew.client.close();
    }
    expect(await operator.request("device.token.revoke", { deviceId: "f".repeat(64), role: "operator" })).toMatchObject({ ok: false, error: { message: "unknown deviceId/role" } });
    operator.close();
  });
});
