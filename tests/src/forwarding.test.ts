import { type NatsServer, RawClient, startNatsServer, waitFor } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertOriginalFrame } from "./original-schema.js";
import { Stack } from "./stack.js";

let nats: NatsServer;
let stack: Stack;
let url: string;
let httpUrl: string;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url });
  await stack.startServices();
  ({ url, httpUrl } = await stack.startEdge());
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

async function helloMethods(): Promise<string[]> {
  const { client, hello } = await RawClient.connect(url, { token: stack.token });
  client.close();
  return (hello.payload as { features: { methods: string[] } }).features.methods;
}

describe("forwarding over NATS", () => {
  test("sessions.list, config.get and plugins.list answer with the original's shapes", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    const sessions = await client.request("sessions.list", {});
    expect(sessions).toMatchObject({ ok: true, payload: { count: 0, sessions: [], defaults: { model: null } } });
    const config = await client.request("config.get", {});
    expect(config).toMatchObject({ ok: true, payload: { exists: false, valid: true, raw: null, issues: [] } });
    expect((config.payload as { hash: string }).hash).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // The bundled plugins: voicewake runs by default, pulse is off.
    expect(await client.request("plugins.list")).toMatchObject({
      ok: true,
      payload: { plugins: expect.arrayContaining([expect.objectContaining({ id: "voicewake", origin: "bundled", state: "loaded" })]) },
    });
    for (const frame of client.frames) assertOriginalFrame(frame);
    client.close();
  });

  test("params are validated by the service with the original's error text", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    const res = await client.request("sessions.list", { limit: 0, bogus: true });
    expect(res.ok).toBe(false);
    expect(res.error).toMatchObject({ code: "INVALID_REQUEST" });
    expect((res.error as { message: string }).message).toMatch(/^invalid sessions\.list params: .*unexpected property 'bogus'/);
    assertOriginalFrame(res);
    client.close();
  });

  test("an unknown method answers INVALID_REQUEST unknown method for an admin", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    const res = await client.request("no.such.method", {});
    expect(res.error).toEqual({ code: "INVALID_REQUEST", message: "unknown method: no.such.method" });
    const wildcard = await client.request("sessions.>", {});
    expect(wildcard.error).toEqual({ code: "INVALID_REQUEST", message: "unknown method: sessions.>" });
    client.close();
  });

  test("a known method nobody serves answers UNAVAILABLE retryable", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token });
    // No service serves cron yet (the session-manager serves chat.* and agent now).
    const res = await client.request("cron.list", {});
    expect(res).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", retryable: true } });
    assertOriginalFrame(res);
    client.close();
  });

  test("scopes are checked before forwarding (spec §4.6)", async () => {
    const { client } = await RawClient.connect(url, { token: stack.token, scopes: ["operator.read"] });
    expect((await client.request("sessions.list", {})).ok).toBe(true);
    expect((await client.request("config.get", {})).error).toEqual({ code: "INVALID_REQUEST", message: "missing scope: operator.admin" });
    expect((await client.request("chat.send", {})).error).toEqual({ code: "INVALID_REQUEST", message: "missing scope: operator.write" });
    // For a non-admin the scope error comes first, even for an unknown method.
    expect((await client.request("no.such.method", {})).error).toEqual({ code: "INVALID_REQUEST", message: "missing scope: operator.admin" });
    client.close();

    const node = await RawClient.connect(url, { token: stack.token, role: "node", client: { mode: "node", id: "node-host" } });
    expect((await node.client.request("sessions.list", {})).error).toEqual({ code: "INVALID_REQUEST", message: "unauthorized role: node" });
    node.client.close();
  });

  test("/healthz and /readyz", async () => {
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, nats: true, registry: true });
    expect((await fetch(`${httpUrl}/nope`)).status).toBe(404);
  });
});

describe("a service that dies and comes back", () => {
  test("SIGKILL: UNAVAILABLE at once, gone from new hello-ok lists, and back after a restart without reconnecting", async () => {
    const sessionManager = stack.apps.find((a) => a.name === "session-manager")!;
    const { client } = await RawClient.connect(url, { token: stack.token });
    expect((await client.request("sessions.list", {})).ok).toBe(true);

    sessionManager.kill();
    await sessionManager.exited;
    // No responders is answered by NATS at once: a 5 s budget is far below the 30 s call timeout.
    const res = await client.request("sessions.list", {}, 5_000);
    expect(res).toMatchObject({ ok: false, error: { code: "UNAVAILABLE", retryable: true } });

    await waitFor(async () => !(await helloMethods()).includes("sessions.list"), {
      timeoutMs: 10_000,
      message: "sessions.list still advertised 10 s after its service died",
    });
    expect(await helloMethods()).toContain("config.get");

    await stack.start("session-manager");
    await waitFor(async () => (await client.request("sessions.list", {})).ok, { timeoutMs: 10_000, message: "restarted service never answered" });
    expect(await helloMethods()).toContain("sessions.list");
    client.close();
  });
});
