import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { ChatEventV4, EventFrameV4, HelloOkV4 } from "@clawdbot/protocol";
import { createGatewayClient } from "@clawdbot/protocol/ws";
import { type Frame, type NatsServer, RawClient, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ChatPayload, assertOriginalDefinition, chatEvents, nextChat, textOf, uniqueKey, words } from "./chat-helpers.js";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

// Protocol 3 and protocol 4 clients on one edge at the same time (issue 13, protocol-v4-delta):
// a real nats-server, a real session-manager and edge (built), and plain ws clients that speak
// each version frame by frame.

let nats: NatsServer;
let stack: Stack;
let url: string;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_ECHO_WORD_DELAY_MS: "20" } });
  await stack.start("session-manager");
  ({ url } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

const V4_CLIENT = { id: "gateway-client", version: "0.14.0", platform: "Linux", mode: "backend", deviceFamily: "Server" };

/**
 * A v4 connect as protocol-v4-delta §4 describes it, built here with node:crypto only: the
 * challenge nonce always, and the v3 signature string with platform and device family.
 */
function v4Connect(nonce: string, token: string, scopes: string[], range = { minProtocol: 4, maxProtocol: 4 }): Record<string, unknown> {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  const deviceId = createHash("sha256").update(raw).digest("hex");
  const signedAt = Date.now();
  const signed = ["v3", deviceId, V4_CLIENT.id, V4_CLIENT.mode, "operator", scopes.join(","), String(signedAt), token, nonce, "linux", "server"].join("|");
  return {
    ...range,
    client: V4_CLIENT,
    role: "operator",
    scopes,
    auth: { token },
    device: { id: deviceId, publicKey: raw.toString("base64url"), signature: sign(null, Buffer.from(signed), privateKey).toString("base64url"), signedAt, nonce },
  };
}

async function openV4(scopes: string[], range?: { minProtocol: number; maxProtocol: number }): Promise<{ client: RawClient; hello: Frame }> {
  const client = await RawClient.open(url);
  const challenge = await client.next((f) => f.event === "connect.challenge");
  const nonce = (challenge.payload as { nonce: string }).nonce;
  const hello = await client.request("connect", v4Connect(nonce, stack.token, scopes, range));
  return { client, hello };
}

function assertV4Frame(frame: Frame): void {
  if (frame.type !== "event") return;
  const parsed = EventFrameV4.safeParse(frame);
  if (!parsed.success) throw new Error(`v4 event frame invalid: ${JSON.stringify(frame)}`);
  if (frame.event === "chat") {
    const chat = ChatEventV4.safeParse(frame.payload);
    if (!chat.success) throw new Error(`v4 chat payload invalid: ${JSON.stringify(frame.payload)}`);
  }
}

describe("a v3 and a v4 client on the same edge", () => {
  test("both handshake, list sessions, send chat, and each gets the chat events in its own shape", async () => {
    const v3 = await RawClient.connect(url, { token: stack.token });
    const v4 = await openV4(["operator.read", "operator.write"]);

    // Handshakes: each hello-ok in its own version.
    expect(v3.hello).toMatchObject({ ok: true, payload: { type: "hello-ok", protocol: 3 } });
    expect((v3.hello.payload as Record<string, unknown>).auth).toBeUndefined();
    expect(v4.hello).toMatchObject({ ok: true, payload: { type: "hello-ok", protocol: 4, auth: { method: "token", role: "operator", scopes: ["operator.read", "operator.write"] } } });
    const helloV4 = HelloOkV4.parse((v4.hello as { payload: unknown }).payload);
    expect(helloV4.server.bootId).toEqual(expect.any(String));
    expect(helloV4.features.capabilities).toEqual([]);
    expect(helloV4.auth.deviceToken).toEqual(expect.any(String));
    expect(helloV4.policy).toMatchObject({ maxPayload: 26_214_400, maxBufferedBytes: 52_428_800 });
    expect(helloV4.server).not.toHaveProperty("host");

    // Both call sessions.list.
    for (const c of [v3.client, v4.client]) expect(await c.request("sessions.list", {})).toMatchObject({ ok: true, payload: { sessions: expect.any(Array) } });

    // Each sends a chat message; both see both runs.
    const sessionKey = "agent:main:main";
    const [runV3, runV4] = [uniqueKey("v3"), uniqueKey("v4")];
    const sent = await Promise.all([
      v3.client.request("chat.send", { sessionKey, message: words(8, "a"), idempotencyKey: runV3 }),
      v4.client.request("chat.send", { sessionKey, message: words(8, "b"), idempotencyKey: runV4 }),
    ]);
    for (const res of sent) expect(res).toMatchObject({ ok: true, payload: { status: "started" } });
    for (const c of [v3.client, v4.client]) for (const runId of [runV3, runV4]) await nextChat(c, runId, ["final"]);

    for (const runId of [runV3, runV4]) {
      // v3: the original's closed 4-state shape, cumulative text in every delta.
      const old = chatEvents(v3.client, runId);
      expect(old.some((e) => e.state === "delta")).toBe(true);
      for (const e of old) {
        assertOriginalDefinition("ChatEvent", e);
        expect(e).not.toHaveProperty("deltaText");
      }
      const finalText = textOf(old.at(-1)!.message);
      for (const e of old.filter((e) => e.state === "delta")) expect(finalText.startsWith(textOf(e.message))).toBe(true);

      // v4: deltaText on every delta, and the increments add up to the text.
      const fresh = chatEvents(v4.client, runId) as (ChatPayload & { deltaText?: string; replace?: boolean })[];
      const deltas = fresh.filter((e) => e.state === "delta");
      expect(deltas.length).toBeGreaterThan(0);
      let assembled = "";
      for (const e of deltas) {
        expect(typeof e.deltaText).toBe("string");
        assembled = e.replace ? e.deltaText! : assembled + e.deltaText!;
        expect(assembled).toBe(textOf(e.message));
      }
      expect(textOf(fresh.at(-1)!.message)).toBe(finalText);
    }

    // Every frame to the v3 client passes the original's schema; every v4 event passes v4's.
    for (const frame of v3.client.frames) assertOriginalFrame(frame);
    for (const frame of v4.client.frames) assertV4Frame(frame);

    // v4 numbers its events per client, without gaps here (nothing was dropped or filtered out).
    const v4Seqs = v4.client.frames.filter((f) => f.type === "event" && f.seq !== undefined).map((f) => f.seq as number);
    expect(v4Seqs.length).toBeGreaterThan(4);
    expect(v4Seqs).toEqual(v4Seqs.map((_, i) => i + 1));
    const v3Seqs = v3.client.frames.filter((f) => f.type === "event" && f.seq !== undefined).map((f) => f.seq as number);
    expect([...v3Seqs].sort((a, b) => a - b)).toEqual(v3Seqs);

    v3.client.close();
    v4.client.close();
  });
});

describe("negotiation (protocol-v4-delta §1)", () => {
  test("3..4 gets 4", async () => {
    const { client, hello } = await openV4(["operator.read"], { minProtocol: 3, maxProtocol: 4 });
    expect(hello).toMatchObject({ ok: true, payload: { protocol: 4 } });
    client.close();
  });

  test("3..3 gets 3, and a hello-ok the original's schema accepts", async () => {
    const { client, hello } = await RawClient.connect(url, { token: stack.token, minProtocol: 3, maxProtocol: 3 });
    expect(hello).toMatchObject({ ok: true, payload: { protocol: 3 } });
    assertOriginalFrame(hello);
    client.close();
  });

  test("5..6 gets protocol mismatch with the version details, then close 1002", async () => {
    const client = await RawClient.open(url);
    await client.next((f) => f.event === "connect.challenge");
    const res = await client.request("connect", { minProtocol: 5, maxProtocol: 6, client: V4_CLIENT, auth: { token: stack.token } });
    expect(res).toMatchObject({
      ok: false,
      error: {
        code: "INVALID_REQUEST",
        message: "protocol mismatch",
        details: { code: "PROTOCOL_MISMATCH", clientMinProtocol: 5, clientMaxProtocol: 6, expectedProtocol: 4, minimumProtocol: 3, supportedProtocols: [3, 4] },
      },
    });
    expect(await client.closed).toEqual({ code: 1002, reason: "protocol mismatch" });
  });
});

describe("per-version method rules (protocol-v4-delta §5, §7)", () => {
  test("a missing scope: FORBIDDEN + MISSING_SCOPE for v4, INVALID_REQUEST for v3", async () => {
    const v4 = await openV4(["operator.read"]);
    const v3 = await RawClient.connect(url, { token: stack.token, scopes: ["operator.read"] });
    const params = { sessionKey: "agent:main:main", message: "hi", idempotencyKey: uniqueKey() };
    expect(await v4.client.request("chat.send", params)).toMatchObject({
      ok: false,
      error: { code: "FORBIDDEN", message: "missing scope: operator.write", details: { code: "MISSING_SCOPE", missingScope: "operator.write", requiredScopes: ["operator.write"] } },
    });
    const old = await v3.client.request("chat.send", params);
    expect(old).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "missing scope: operator.write" } });
    assertOriginalFrame(old);

    // sessions.resolve moved from admin to read in v4.
    const resolve = { key: "agent:main:main" };
    const v4Resolve = await v4.client.request("sessions.resolve", resolve);
    expect(JSON.stringify(v4Resolve)).not.toMatch(/missing scope/);
    expect(await v3.client.request("sessions.resolve", resolve)).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "missing scope: operator.admin" } });
    v4.client.close();
    v3.client.close();
  });

  test("params v4 removed are refused for v4 and still accepted from v3", async () => {
    const v4 = await openV4(["operator.read", "operator.write"]);
    const v3 = await RawClient.connect(url, { token: stack.token });
    const params = () => ({ message: "hello", idempotencyKey: uniqueKey("agent"), spawnedBy: "agent:main:parent" });
    expect(await v4.client.request("agent", params())).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST", message: "invalid agent params: at root: unexpected property 'spawnedBy'" },
    });
    expect(await v3.client.request("agent", params())).toMatchObject({ ok: true });
    v4.client.close();
    v3.client.close();
  });
});

describe("the typed client (@clawdbot/protocol/ws)", () => {
  test("with maxProtocol 4 it offers 3..4 and speaks 4; by default it speaks 3", async () => {
    const v4 = createGatewayClient({ url, token: stack.token, maxProtocol: 4, reconnect: false });
    const hello = await v4.connect();
    expect(hello).toMatchObject({ protocol: 4, auth: { method: "token", scopes: ["operator.admin"] } });
    expect(await v4.call("sessions.list", {})).toMatchObject({ sessions: expect.any(Array) });
    v4.close();
    const v3 = createGatewayClient({ url, token: stack.token, reconnect: false });
    expect(await v3.connect()).toMatchObject({ protocol: 3 });
    expect(await v3.call("sessions.list", {})).toMatchObject({ sessions: expect.any(Array) });
    v3.close();
  });
});

describe("frame sizes per version (protocol-v4-delta §2)", () => {
  test("before hello-ok a frame over 64 KiB closes 1009", async () => {
    const client = await RawClient.open(url);
    await client.next((f) => f.event === "connect.challenge");
    client.send({ type: "req", id: "c", method: "connect", params: { pad: "x".repeat(70_000) } });
    expect((await client.closed).code).toBe(1009);
  });

  test("after hello-ok a v4 client may send 1 MiB; a v3 client is closed 1009 above 512 KiB", async () => {
    const big = { pad: "x".repeat(1024 * 1024) };
    const v4 = await openV4(["operator.read"]);
    expect(await v4.client.request("health", big)).toMatchObject({ ok: true });
    v4.client.close();
    const v3 = await RawClient.connect(url, { token: stack.token });
    v3.client.send({ type: "req", id: "big", method: "health", params: big });
    expect((await v3.client.closed).code).toBe(1009);
  });
});
