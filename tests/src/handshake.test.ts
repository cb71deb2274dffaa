import { DEFAULT_POLICY } from "@clawdbot/protocol";
import { type NatsServer, RawClient, connectParams, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

let nats: NatsServer;
let stack: Stack;
let url: string;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_HANDSHAKE_TIMEOUT_MS: "1500" } });
  await stack.startServices();
  ({ url } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

/** Opens a socket and waits for the challenge, which the edge sends before anything else. */
async function openWithChallenge(): Promise<RawClient> {
  const client = await RawClient.open(url);
  await client.next((f) => f.event === "connect.challenge");
  return client;
}

describe("handshake", () => {
  test("challenge first, then hello-ok with protocol 3, the policy and the services' methods", async () => {
    const client = await RawClient.open(url);
    const challenge = await client.next(() => true);
    expect(challenge).toMatchObject({ type: "event", event: "connect.challenge" });
    expect(challenge).not.toHaveProperty("seq");
    expect(typeof (challenge.payload as { nonce: string }).nonce).toBe("string");

    const res = await client.request("connect", connectParams({ token: stack.token }));
    expect(res.ok).toBe(true);
    const hello = res.payload as Record<string, any>;
    expect(hello.type).toBe("hello-ok");
    expect(hello.protocol).toBe(3);
    expect(hello.policy).toEqual({ maxPayload: 524288, maxBufferedBytes: 1572864, tickIntervalMs: DEFAULT_POLICY.tickIntervalMs });
    expect(hello.features.methods).toEqual(expect.arrayContaining(["sessions.list", "config.get", "plugins.list"]));
    expect(hello.features.events).toContain("tick");
    expect(hello.server.connId).toEqual(expect.any(String));

    await client.request("sessions.list", {});
    await client.request("no.such.method", {});
    for (const frame of client.frames) assertOriginalFrame(frame);
    client.close();
  });

  test("every generation of client ids is accepted", async () => {
    for (const id of ["cli", "clawdbot-macos", "moltbot-macos", "openclaw-macos", "moltbot-probe", "gateway-client"]) {
      const { client, hello } = await RawClient.connect(url, { token: stack.token, client: { id, mode: "backend" } });
      expect(hello.ok, id).toBe(true);
      client.close();
    }
  });

  test("wrong token: an error response, then close 1008 with the spec's reason", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", connectParams({ token: "wrong", client: { mode: "cli", id: "cli" } }));
    const message = "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)";
    expect(res).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message } });
    assertOriginalFrame(res);
    expect(await client.closed).toEqual({ code: 1008, reason: message });
  });

  test("missing token and no device: NOT_PAIRED device identity required", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", connectParams({}));
    expect(res).toMatchObject({ ok: false, error: { code: "NOT_PAIRED", message: "device identity required" } });
    expect((await client.closed).code).toBe(1008);
  });

  test("protocol mismatch: the error with expectedProtocol, then close 1002", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", connectParams({ token: stack.token, minProtocol: 1, maxProtocol: 2 }));
    expect(res).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "protocol mismatch", details: { expectedProtocol: 3 } } });
    expect(await client.closed).toEqual({ code: 1002, reason: "protocol mismatch" });
  });

  test("no connect within the handshake timeout: closed 1000", async () => {
    const client = await openWithChallenge();
    expect((await client.closed).code).toBe(1000);
  });

  test("a first request other than connect: error, then close 1008", async () => {
    const client = await openWithChallenge();
    const res = await client.request("health", {});
    expect(res).toMatchObject({ ok: false, error: { message: "invalid handshake: first request must be connect" } });
    expect(await client.closed).toEqual({ code: 1008, reason: "invalid handshake: first request must be connect" });
  });

  test("invalid connect params: the ajv-style summary, close 1008", async () => {
    const client = await openWithChallenge();
    const res = await client.request("connect", { minProtocol: 3, maxProtocol: 3, client: { id: "nope" }, extra: 1 });
    expect((res.error as { message: string }).message).toMatch(/^invalid connect params: /);
    expect((res.error as { message: string }).message).toContain("unexpected property 'extra'");
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(120);
  });

  test("first frame not JSON: close 1000; JSON but not a request frame: close 1008", async () => {
    const a = await openWithChallenge();
    a.send("{nope");
    expect((await a.closed).code).toBe(1000);
    const b = await openWithChallenge();
    b.send({ hello: "there" });
    expect(await b.closed).toEqual({ code: 1008, reason: "invalid request frame" });
  });

  test("a 600 KiB frame closes the socket with 1009", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    client.send({ type: "req", id: "big", method: "sessions.list", params: { search: "x".repeat(600 * 1024) } });
    expect((await client.closed).code).toBe(1009);
  });

  test("malformed JSON after the handshake is ignored and the connection keeps working", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    client.send("{not json");
    client.send(Buffer.from([0xff, 0xfe, 0x00]));
    const res = await client.request("sessions.list", {});
    expect(res.ok).toBe(true);
    const bad = await client.request("", {});
    expect(bad).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    expect((bad.error as { message: string }).message).toMatch(/^invalid request frame: /);
    for (const frame of client.frames) assertOriginalFrame(frame);
    client.close();
  });

  test("a second connect is refused without closing", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    const res = await client.request("connect", connectParams({ token: stack.token }));
    expect(res).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "connect is only valid as the first request" } });
    expect((await client.request("plugins.list", {})).ok).toBe(true);
    client.close();
  });
});
