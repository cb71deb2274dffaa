import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { describe, expect, test } from "vitest";
import type * as z from "zod";
import { GATEWAY_CLIENT_IDS, GATEWAY_CLIENT_MODES } from "./client-info.js";
import { DEFAULT_POLICY, PROTOCOL_VERSION } from "./constants.js";
import { GATEWAY_EVENTS } from "./events.js";
import {
  ConnectChallengePayload,
  ConnectParams,
  ErrorShape,
  EventFrame,
  GatewayFrame,
  HelloOk,
  PresenceEntry,
  RequestFrame,
  ResponseFrame,
  ShutdownPayload,
  StateVersion,
  TickPayload,
} from "./frames.js";
import { BASE_METHODS } from "./methods/index.js";

// The original's own schema (MIT), kept once in the repo. Its reference client validates every
// incoming frame against it and silently drops what fails (spec §1.5), so every frame our zod
// schemas accept must pass it too.
const schemaPath = fileURLToPath(new URL("../../../tests/fixtures/original-protocol.schema.json", import.meta.url));
const original = JSON.parse(readFileSync(schemaPath, "utf8")) as {
  $id: string;
  definitions: Record<string, Record<string, unknown>>;
};

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(original);
const validators = new Map<string, ValidateFunction>();

/** A validator for one of the original's definitions, or for the whole frame union ("frame"). */
function originalValidator(definition: string): ValidateFunction {
  let validate = validators.get(definition);
  if (!validate) {
    const ref = definition === "frame" ? original.$id : `${original.$id}#/definitions/${definition}`;
    validate = ajv.compile({ $ref: ref });
    validators.set(definition, validate);
  }
  return validate;
}

function originalAccepts(definition: string, value: unknown): boolean {
  return originalValidator(definition)(value);
}

/** Accepted by our zod schema and by the original's JSON Schema definition. */
function expectAcceptedByBoth(schema: z.ZodType, definition: string, value: unknown): void {
  const parsed = schema.safeParse(value);
  expect(parsed.error?.issues ?? [], "zod issues").toEqual([]);
  const validate = originalValidator(definition);
  const ok = validate(value);
  expect(validate.errors ?? [], `original ${definition} errors`).toEqual([]);
  expect(ok).toBe(true);
}

/** Rejected by our zod schema, and by the original too: the two agree on what is broken. */
function expectRejectedByBoth(schema: z.ZodType, definition: string, value: unknown): void {
  expect(schema.safeParse(value).success, "zod accepted it").toBe(false);
  expect(originalAccepts(definition, value), `original ${definition} accepted it`).toBe(false);
}

const presenceEntries = [
  {
    host: "studio.local",
    ip: "192.168.1.20",
    version: "2026.1.24",
    platform: "darwin 24.1.0",
    deviceFamily: "Mac",
    modelIdentifier: "Mac15,3",
    mode: "ui",
    lastInputSeconds: 12,
    reason: "connect",
    tags: ["primary", "desk"],
    text: "Node: studio.local",
    ts: 1_737_000_000_000,
    deviceId: "5f2c0a4e9b1d",
    roles: ["operator"],
    scopes: ["operator.admin"],
    instanceId: "inst-1",
  },
  { ts: 0, text: "" },
];

const helloOk = {
  type: "hello-ok",
  protocol: PROTOCOL_VERSION,
  server: { version: "0.1.0", commit: "3f79923", host: "gw-1", connId: "9f6c3c0e-1b7e-4c52-8e0f-1d4b6e3f2a10" },
  features: { methods: [...BASE_METHODS, "web.login.start"], events: [...GATEWAY_EVENTS] },
  snapshot: {
    presence: presenceEntries,
    health: { ok: true, ts: 1_737_000_000_000, channels: {} },
    stateVersion: { presence: 3, health: 1 },
    uptimeMs: 12_345,
    configPath: "/home/u/.clawdbot/clawdbot.json",
    stateDir: "/home/u/.clawdbot",
    sessionDefaults: { defaultAgentId: "main", mainKey: "main", mainSessionKey: "agent:main:main", scope: "per-sender" },
  },
  canvasHostUrl: "http://127.0.0.1:18793",
  auth: { deviceToken: "0123456789abcdef0123456789abcdef", role: "operator", scopes: ["operator.read"], issuedAtMs: 1_737_000_000_000 },
  policy: { ...DEFAULT_POLICY },
};

describe("frames - samples of every frame type pass our schemas and the original's", () => {
  test("req with and without params", () => {
    expectAcceptedByBoth(RequestFrame, "RequestFrame", { type: "req", id: "1", method: "sessions.list", params: { limit: 5 } });
    expectAcceptedByBoth(RequestFrame, "RequestFrame", { type: "req", id: "2", method: "health" });
    expectAcceptedByBoth(GatewayFrame, "frame", { type: "req", id: "3", method: "status", params: null });
  });

  test("res ok with a payload", () => {
    const frame = { type: "res", id: "1", ok: true, payload: { sessions: [], count: 0 } };
    expectAcceptedByBoth(ResponseFrame, "ResponseFrame", frame);
    expectAcceptedByBoth(GatewayFrame, "frame", frame);
  });

  test("res error with details, retryable and retryAfterMs", () => {
    const error = {
      code: "UNAVAILABLE",
      message: "no service is serving sessions.list",
      details: { method: "sessions.list", nested: [1, "two", null] },
      retryable: true,
      retryAfterMs: 250,
    };
    const frame = { type: "res", id: "req-7", ok: false, error };
    expectAcceptedByBoth(ErrorShape, "ErrorShape", error);
    expectAcceptedByBoth(ResponseFrame, "ResponseFrame", frame);
    expectAcceptedByBoth(GatewayFrame, "frame", frame);
  });

  test("res error next to a payload (agent, chat.send and send do this)", () => {
    const frame = {
      type: "res",
      id: "run-1",
      ok: false,
      payload: { runId: "run-1", status: "error", summary: "boom" },
      error: { code: "UNAVAILABLE", message: "boom" },
    };
    expectAcceptedByBoth(ResponseFrame, "ResponseFrame", frame);
  });

  test("event with seq and stateVersion", () => {
    const frame = {
      type: "event",
      event: "presence",
      payload: { presence: presenceEntries },
      seq: 42,
      stateVersion: { presence: 7, health: 2 },
    };
    expectAcceptedByBoth(EventFrame, "EventFrame", frame);
    expectAcceptedByBoth(StateVersion, "StateVersion", frame.stateVersion);
    expectAcceptedByBoth(GatewayFrame, "frame", frame);
  });

  test("event with seq 0 and no payload", () => {
    expectAcceptedByBoth(EventFrame, "EventFrame", { type: "event", event: "heartbeat", seq: 0 });
  });

  test("connect.challenge: no seq, {nonce, ts}", () => {
    const payload = { nonce: "2c4a7f0e-8a53-4c39-9d8e-5a0c7a1b9d11", ts: 1_737_000_000_000 };
    expect(ConnectChallengePayload.safeParse(payload).success).toBe(true);
    expectAcceptedByBoth(EventFrame, "EventFrame", { type: "event", event: "connect.challenge", payload });
  });

  test("tick", () => {
    const payload = { ts: 1_737_000_000_000 };
    expectAcceptedByBoth(TickPayload, "TickEvent", payload);
    expectAcceptedByBoth(EventFrame, "EventFrame", { type: "event", event: "tick", payload, seq: 9 });
  });

  test("shutdown without restartExpectedMs, and with it", () => {
    const without = { reason: "gateway stopping" };
    expectAcceptedByBoth(ShutdownPayload, "ShutdownEvent", without);
    expectAcceptedByBoth(EventFrame, "EventFrame", { type: "event", event: "shutdown", payload: without, seq: 10 });
    expectAcceptedByBoth(ShutdownPayload, "ShutdownEvent", { reason: "restart", restartExpectedMs: 5_000 });
  });

  test("shutdown with restartExpectedMs: null is refused: the original's own client drops it", () => {
    expectRejectedByBoth(ShutdownPayload, "ShutdownEvent", { reason: "gateway stopping", restartExpectedMs: null });
  });

  test("hello-ok in full: snapshot presence entries, sessionDefaults, auth, canvasHostUrl", () => {
    expectAcceptedByBoth(HelloOk, "HelloOk", helloOk);
    for (const entry of presenceEntries) expectAcceptedByBoth(PresenceEntry, "PresenceEntry", entry);
    expectAcceptedByBoth(ResponseFrame, "ResponseFrame", { type: "res", id: "connect-1", ok: true, payload: helloOk });
  });

  test("hello-ok in its minimal form: no auth, no sessionDefaults, empty presence", () => {
    const minimal = {
      type: "hello-ok",
      protocol: 3,
      server: { version: "dev", connId: "c1" },
      features: { methods: [], events: [] },
      snapshot: { presence: [], health: {}, stateVersion: { presence: 1, health: 1 }, uptimeMs: 0 },
      policy: { maxPayload: 1, maxBufferedBytes: 1, tickIntervalMs: 1 },
    };
    expectAcceptedByBoth(HelloOk, "HelloOk", minimal);
  });

  test("connect params in full", () => {
    const params = {
      minProtocol: 3,
      maxProtocol: 3,
      client: {
        id: "clawdbot-macos",
        displayName: "Studio",
        version: "2026.1.24",
        platform: "darwin",
        deviceFamily: "Mac",
        modelIdentifier: "Mac15,3",
        mode: "ui",
        instanceId: "inst-1",
      },
      caps: ["voice"],
      commands: ["canvas.present"],
      permissions: { "screen.record": true, camera: false },
      role: "operator",
      scopes: ["operator.read", "operator.write"],
      device: { id: "abc", publicKey: "pk", signature: "sig", signedAt: 1_737_000_000_000, nonce: "n-1" },
      auth: { token: "secret", password: "" },
      locale: "en-US",
      userAgent: "clawdbot/2026.1.24",
    };
    expectAcceptedByBoth(ConnectParams, "ConnectParams", params);
  });
});

describe("frames - strictness: what the original's client would drop is rejected", () => {
  const event = { type: "event", event: "presence", payload: {}, seq: 1, stateVersion: { presence: 1, health: 1 } };
  const res = { type: "res", id: "1", ok: true, payload: {} };
  const req = { type: "req", id: "1", method: "health" };

  test("an extra top-level key on any frame", () => {
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, ts: 1 });
    expectRejectedByBoth(ResponseFrame, "ResponseFrame", { ...res, jsonrpc: "2.0" });
    expectRejectedByBoth(RequestFrame, "RequestFrame", { ...req, meta: {} });
    expectRejectedByBoth(GatewayFrame, "frame", { ...event, extra: true });
  });

  test("an extra key inside the error shape or stateVersion", () => {
    expectRejectedByBoth(ResponseFrame, "ResponseFrame", {
      type: "res",
      id: "1",
      ok: false,
      error: { code: "UNAVAILABLE", message: "x", data: {} },
    });
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, stateVersion: { presence: 1, health: 1, seq: 3 } });
  });

  test("stateVersion missing one of its two fields", () => {
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, stateVersion: { presence: 1 } });
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, stateVersion: { health: 1 } });
    expectRejectedByBoth(StateVersion, "StateVersion", {});
  });

  test("a non-integer, negative or string seq", () => {
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, seq: 1.5 });
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, seq: -1 });
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, seq: "1" });
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, stateVersion: { presence: 1.5, health: 1 } });
  });

  test("an empty id, method, event name or error text", () => {
    expectRejectedByBoth(RequestFrame, "RequestFrame", { ...req, id: "" });
    expectRejectedByBoth(RequestFrame, "RequestFrame", { ...req, method: "" });
    expectRejectedByBoth(ResponseFrame, "ResponseFrame", { ...res, id: "" });
    expectRejectedByBoth(EventFrame, "EventFrame", { ...event, event: "" });
    expectRejectedByBoth(ErrorShape, "ErrorShape", { code: "UNAVAILABLE", message: "" });
    expectRejectedByBoth(ErrorShape, "ErrorShape", { code: "", message: "x" });
  });

  test("missing required fields and wrong types", () => {
    expectRejectedByBoth(ResponseFrame, "ResponseFrame", { type: "res", id: "1" });
    expectRejectedByBoth(ResponseFrame, "ResponseFrame", { ...res, ok: "true" });
    expectRejectedByBoth(ErrorShape, "ErrorShape", { code: "X", message: "y", retryAfterMs: -1 });
    expectRejectedByBoth(ErrorShape, "ErrorShape", { code: "X", message: "y", retryable: "yes" });
    expectRejectedByBoth(GatewayFrame, "frame", { type: "hello", id: "1" });
  });

  test("hello-ok with an extra key, a bad policy or half an auth block", () => {
    expectRejectedByBoth(HelloOk, "HelloOk", { ...helloOk, seq: 1 });
    expectRejectedByBoth(HelloOk, "HelloOk", { ...helloOk, policy: { ...helloOk.policy, maxPayload: 0 } });
    expectRejectedByBoth(HelloOk, "HelloOk", { ...helloOk, auth: { role: "operator", scopes: [] } });
    expectRejectedByBoth(HelloOk, "HelloOk", {
      ...helloOk,
      snapshot: { ...helloOk.snapshot, presence: [{ ts: 1, nickname: "x" }] },
    });
    expectRejectedByBoth(HelloOk, "HelloOk", {
      ...helloOk,
      snapshot: { ...helloOk.snapshot, sessionDefaults: { defaultAgentId: "main", mainKey: "main" } },
    });
  });
});

describe("ConnectParams - client ids of every generation", () => {
  const base = { minProtocol: 3, maxProtocol: 3, client: { id: "cli", version: "1.0.0", platform: "linux", mode: "cli" } };
  const withClient = (client: Record<string, unknown>) => ({ ...base, client: { ...base.client, ...client } });

  const generations = ["clawdbot", "moltbot", "openclaw"];
  const apps = ["control-ui", "macos", "ios", "android", "probe"];
  const generational = generations.flatMap((g) => apps.map((a) => `${g}-${a}`));

  test.each(generational)("accepts %s", (id) => {
    expect(ConnectParams.safeParse(withClient({ id })).success).toBe(true);
  });

  test.each(["webchat-ui", "webchat", "cli", "gateway-client", "node-host", "test", "fingerprint"])(
    "accepts the generation-less id %s",
    (id) => {
      expect(ConnectParams.safeParse(withClient({ id })).success).toBe(true);
    },
  );

  test("accepts every id the original schema lists (ours is a superset)", () => {
    const client = (original.definitions.ConnectParams as { properties: { client: { properties: Record<string, { anyOf: { const: string }[] }> } } })
      .properties.client.properties;
    const originalIds = client.id!.anyOf.map((x) => x.const);
    expect(originalIds.length).toBeGreaterThan(5);
    for (const id of originalIds) expect(GATEWAY_CLIENT_IDS).toContain(id);
    // And the modes are exactly the original's.
    expect([...GATEWAY_CLIENT_MODES].sort()).toEqual(client.mode!.anyOf.map((x) => x.const).sort());
  });

  test.each(["unknown-app", "clawdbot-windows", "MOLTBOT-MACOS", "moltbot-macos ", ""])("rejects the id %j", (id) => {
    expect(ConnectParams.safeParse(withClient({ id })).success).toBe(false);
  });

  test.each(GATEWAY_CLIENT_MODES.map((m) => m))("accepts mode %s", (mode) => {
    expect(ConnectParams.safeParse(withClient({ mode })).success).toBe(true);
  });

  test.each(["admin", "operator", "UI", ""])("rejects the mode %j", (mode) => {
    expect(ConnectParams.safeParse(withClient({ mode })).success).toBe(false);
  });

  test("rejects extra keys, a protocol below 1 and an empty scope", () => {
    expectRejectedByBoth(ConnectParams, "ConnectParams", { ...base, extra: 1 });
    expectRejectedByBoth(ConnectParams, "ConnectParams", withClient({ nickname: "x" }));
    expectRejectedByBoth(ConnectParams, "ConnectParams", { ...base, minProtocol: 0 });
    expectRejectedByBoth(ConnectParams, "ConnectParams", { ...base, maxProtocol: 3.5 });
    expectRejectedByBoth(ConnectParams, "ConnectParams", { ...base, scopes: [""] });
    expectRejectedByBoth(ConnectParams, "ConnectParams", { ...base, device: { id: "a", publicKey: "b", signature: "c" } });
    expectRejectedByBoth(ConnectParams, "ConnectParams", { ...base, auth: { token: "t", otp: "1" } });
  });

  test("a minimal connect passes both", () => {
    expectAcceptedByBoth(ConnectParams, "ConnectParams", base);
  });
});
