import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { type DeviceToken, type PairedDevice, deviceAuthPayload, deviceAuthPayloadV3 } from "@clawdbot/protocol";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { type AuthSettingsInput, resolveAuthSettings } from "./auth-settings.js";
import { type AdmissionContext, type AdmissionServices, admitFirstFrame, offeredProtocol } from "./handshake.js";
import { AuthRateLimiter } from "./rate-limit.js";

// Protocol negotiation and the v4 handshake rules (protocol-v4-delta §1, §3, §4, §7), next to
// the unchanged v3 ones. The device store is an in-memory stand-in that pairs and issues tokens.

function memoryStore(): AdmissionServices["devices"] {
  const paired = new Map<string, PairedDevice>();
  const pending = new Map<string, PairedDevice>();
  let requests = 0;
  return {
    getPaired: async (id) => paired.get(id),
    verifyToken: (device, token, role) => device?.tokens?.[role]?.token === token,
    requestPairing: async (input) => {
      const requestId = `req-${++requests}`;
      pending.set(requestId, { deviceId: input.deviceId, publicKey: input.publicKey, role: input.role, roles: [input.role], scopes: [...input.scopes] } as PairedDevice);
      return { request: { requestId, ts: Date.now(), ...input, scopes: [...input.scopes] }, created: true };
    },
    // Approves local devices at once, as the real store does when asked.
    approve: async (requestId) => {
      const device = pending.get(requestId);
      if (!device) return undefined;
      paired.set(device.deviceId, device);
      return { request: {} as never, device };
    },
    ensureToken: async (deviceId, role, scopes) => {
      const token: DeviceToken = { token: "tok-" + deviceId.slice(0, 8), role, scopes: [...scopes], createdAtMs: 1 };
      const device = paired.get(deviceId);
      if (device) device.tokens = { ...device.tokens, [role]: token };
      return token;
    },
    recordConnect: async () => undefined,
  };
}

function context(settings: AuthSettingsInput, options: { local?: boolean; store?: AdmissionServices["devices"] } = {}): AdmissionContext {
  return {
    nonce: "challenge-nonce",
    client: { ip: options.local === false ? "203.0.113.9" : "127.0.0.1", local: options.local ?? true, viaTrustedProxy: false },
    settings: resolveAuthSettings(settings),
    services: { devices: options.store ?? memoryStore(), guard: new AuthRateLimiter({ maxFailures: 0, windowMs: 1 }), announce: () => undefined },
    log: pino({ enabled: false }),
  };
}

const tokenMode = () => context({ mode: "token", token: "s3cret" });
const frame = (params: Record<string, unknown>) => ({ type: "req", id: "c1", method: "connect", params });
const clientInfo = { id: "gateway-client", version: "1", platform: "Linux", mode: "backend", deviceFamily: "Server" };
const v4 = { minProtocol: 4, maxProtocol: 4, client: clientInfo };

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  return { id: createHash("sha256").update(raw).digest("hex"), publicKey: raw.toString("base64url"), privateKey };
}

function signedDevice(options: { format?: "v3" | "v2"; nonce?: string; signedAt?: number; token?: string; scopes?: string[]; key?: ReturnType<typeof keyPair> } = {}) {
  const key = options.key ?? keyPair();
  const signedAt = options.signedAt ?? Date.now();
  const nonce = options.nonce ?? "challenge-nonce";
  const fields = { deviceId: key.id, clientId: clientInfo.id, clientMode: clientInfo.mode, role: "operator", scopes: options.scopes ?? [], signedAtMs: signedAt, token: options.token, nonce };
  const payload = options.format === "v2" ? deviceAuthPayload(fields) : deviceAuthPayloadV3({ ...fields, platform: clientInfo.platform, deviceFamily: clientInfo.deviceFamily });
  return { id: key.id, publicKey: key.publicKey, signature: sign(null, Buffer.from(payload), key.privateKey).toString("base64url"), signedAt, nonce };
}

describe("negotiation (protocol-v4-delta §1)", () => {
  test("reads the offered range before validating", () => {
    expect(offeredProtocol({ minProtocol: 3, maxProtocol: 4 })).toBe(4);
    expect(offeredProtocol({ minProtocol: 3, maxProtocol: 3 })).toBe(3);
    expect(offeredProtocol({ minProtocol: 5, maxProtocol: 6 })).toBeNull();
    expect(offeredProtocol({ minProtocol: "3" })).toBeUndefined();
  });

  test("3..3 gets 3, 3..4 and 4..4 get 4", async () => {
    const base = { client: { id: "cli", version: "1", platform: "linux", mode: "cli" }, auth: { token: "s3cret" } };
    expect(await admitFirstFrame(frame({ ...base, minProtocol: 3, maxProtocol: 3 }), tokenMode())).toMatchObject({ ok: true, protocol: 3 });
    expect(await admitFirstFrame(frame({ ...base, minProtocol: 3, maxProtocol: 4 }), tokenMode())).toMatchObject({ ok: true, protocol: 4 });
    expect(await admitFirstFrame(frame({ ...base, minProtocol: 4, maxProtocol: 4 }), tokenMode())).toMatchObject({ ok: true, protocol: 4 });
  });

  test("5..6: protocol mismatch with the version details, close 1002", async () => {
    const result = await admitFirstFrame(frame({ ...v4, minProtocol: 5, maxProtocol: 6, auth: { token: "s3cret" } }), tokenMode());
    expect(result).toMatchObject({
      ok: false,
      response: {
        error: {
          code: "INVALID_REQUEST",
          message: "protocol mismatch",
          details: { code: "PROTOCOL_MISMATCH", clientMinProtocol: 5, clientMaxProtocol: 6, expectedProtocol: 4, minimumProtocol: 3, supportedProtocols: [3, 4] },
        },
      },
      close: { code: 1002, reason: "protocol mismatch" },
    });
  });
});

describe("v4 handshake rules (protocol-v4-delta §3, §4)", () => {
  test("no scope default; a device-less backend keeps its scopes only when local", async () => {
    const noScopes = await admitFirstFrame(frame({ ...v4, auth: { token: "s3cret" } }), tokenMode());
    expect(noScopes).toMatchObject({ ok: true, protocol: 4, scopes: [] });
    const scoped = { ...v4, scopes: ["operator.read"], auth: { token: "s3cret" } };
    expect(await admitFirstFrame(frame(scoped), tokenMode())).toMatchObject({ ok: true, scopes: ["operator.read"] });
    expect(await admitFirstFrame(frame(scoped), context({ mode: "token", token: "s3cret" }, { local: false }))).toMatchObject({ ok: true, scopes: [] });
    const test = { ...scoped, client: { id: "test", version: "1", platform: "linux", mode: "test" } };
    expect(await admitFirstFrame(frame(test), tokenMode())).toMatchObject({ ok: true, scopes: [] });
  });

  test("v3 keeps the admin default and trusts declared scopes", async () => {
    const v3 = { minProtocol: 3, maxProtocol: 3, client: { id: "test", version: "1", platform: "linux", mode: "test" }, auth: { token: "s3cret" } };
    expect(await admitFirstFrame(frame(v3), context({ mode: "token", token: "s3cret" }, { local: false }))).toMatchObject({ ok: true, protocol: 3, scopes: ["operator.admin"] });
  });

  test("a device signing the v3 string, or falling back to v2, is admitted", async () => {
    for (const format of ["v3", "v2"] as const) {
      const result = await admitFirstFrame(frame({ ...v4, device: signedDevice({ format, token: "s3cret" }), auth: { token: "s3cret" } }), tokenMode());
      expect(result).toMatchObject({ ok: true, protocol: 4, device: { issued: { role: "operator" } } });
    }
  });

  test("the nonce is required: a nonce-less device is invalid connect params", async () => {
    const { nonce: _nonce, ...device } = signedDevice({ token: "s3cret" });
    const result = await admitFirstFrame(frame({ ...v4, device, auth: { token: "s3cret" } }), tokenMode());
    expect(result).toMatchObject({ ok: false, response: { error: { code: "INVALID_REQUEST", details: { code: "INVALID_CONNECT_PARAMS" } } }, close: { code: 1008 } });
    expect((result as { response: { error: Error } }).response.error.message).toMatch(/^invalid connect params: /);
  });

  test("2-minute skew for v4, with DEVICE_AUTH_* details; v3 keeps 10 minutes", async () => {
    const stale = Date.now() - 5 * 60_000;
    const result = await admitFirstFrame(frame({ ...v4, device: signedDevice({ signedAt: stale, token: "s3cret" }), auth: { token: "s3cret" } }), tokenMode());
    expect(result).toMatchObject({
      ok: false,
      response: { error: { code: "INVALID_REQUEST", message: "device signature expired", details: { code: "DEVICE_AUTH_SIGNATURE_EXPIRED", reason: "device-signature-stale" } } },
      close: { code: 1008, reason: "device signature expired" },
    });
    const bad = await admitFirstFrame(frame({ ...v4, device: { ...signedDevice({ token: "s3cret" }), nonce: "other" }, auth: { token: "s3cret" } }), tokenMode());
    expect(bad).toMatchObject({ response: { error: { message: "device nonce mismatch", details: { code: "DEVICE_AUTH_NONCE_MISMATCH", reason: "device-nonce-mismatch" } } } });
  });

  test("every v4 refusal carries details.code", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...v4, role: "boss", auth: { token: "s3cret" } }, "INVALID_ROLE", "invalid role"],
      [{ ...v4, role: "node", auth: { token: "s3cret" } }, "DEVICE_IDENTITY_REQUIRED", "device identity required"],
      [{ ...v4, auth: { token: "wrong" } }, "AUTH_TOKEN_MISMATCH", "unauthorized: gateway token mismatch (provide gateway auth token)"],
      [{ ...v4 }, "AUTH_TOKEN_MISSING", "unauthorized: gateway token missing (provide gateway auth token)"],
      [{ ...v4, client: { ...clientInfo, id: "openclaw-control-ui", mode: "ui" }, auth: { token: "s3cret" } }, "CONTROL_UI_DEVICE_IDENTITY_REQUIRED", "control ui requires device identity (use HTTPS or localhost secure context)"],
    ];
    for (const [params, code, message] of cases) {
      const result = await admitFirstFrame(frame(params), tokenMode());
      expect([code, result]).toMatchObject([code, { ok: false, response: { error: { message, details: { code } } }, close: { code: 1008 } }]);
    }
  });

  test("v3 refusals keep the v3 shape (no details.code)", async () => {
    const v3 = { minProtocol: 3, maxProtocol: 3, client: { id: "test", version: "1", platform: "linux", mode: "test" }, auth: { token: "wrong" } };
    const result = await admitFirstFrame(frame(v3), tokenMode());
    expect(result).toMatchObject({ ok: false, response: { error: { code: "INVALID_REQUEST" } } });
    expect((result as { response: { error: { details: unknown } } }).response.error.details).toBeUndefined();
  });

  test("pairing required: v4 message, details and close reason", async () => {
    const remote = context({ mode: "token", token: "s3cret" }, { local: false });
    const result = await admitFirstFrame(frame({ ...v4, device: signedDevice({ token: "s3cret", scopes: ["operator.read"] }), scopes: ["operator.read"], auth: { token: "s3cret" } }), remote);
    expect(result).toMatchObject({
      ok: false,
      response: {
        error: {
          code: "NOT_PAIRED",
          message: "pairing required: not-paired",
          details: { code: "PAIRING_REQUIRED", reason: "not-paired", requestId: "req-1", requestedRole: "operator", requestedScopes: ["operator.read"], approvedRoles: [], approvedScopes: [] },
        },
      },
      close: { code: 1008, reason: "pairing required: not-paired (requestId: req-1)" },
    });
  });

  test("worker identities are closed 1008 invalid-handshake with no answer", async () => {
    const result = await admitFirstFrame(frame({ ...v4, client: { ...clientInfo, id: "openclaw-worker" }, auth: { token: "s3cret" } }), tokenMode());
    expect(result).toEqual({ ok: false, close: { code: 1008, reason: "invalid-handshake" } });
  });

  test("a paired device comes back with auth.deviceToken alone: device-token auth", async () => {
    const ctx = tokenMode();
    const key = keyPair();
    const first = await admitFirstFrame(frame({ ...v4, device: signedDevice({ key, token: "s3cret" }), auth: { token: "s3cret" } }), ctx);
    const deviceToken = (first as { device: { issued: { token: string } } }).device.issued.token;
    const again = await admitFirstFrame(frame({ ...v4, device: signedDevice({ key, token: deviceToken }), auth: { deviceToken } }), ctx);
    expect(again).toMatchObject({ ok: true, protocol: 4, authMethod: "device-token", device: { usedToken: deviceToken } });
    const wrong = await admitFirstFrame(frame({ ...v4, device: signedDevice({ key, token: "nope" }), auth: { deviceToken: "nope" } }), ctx);
    expect(wrong).toMatchObject({ ok: false, response: { error: { details: { code: "AUTH_DEVICE_TOKEN_MISMATCH", canRetryWithDeviceToken: false } } } });
  });

  test("v4 accepts auth.deviceToken and the v4 request envelope", async () => {
    const params = { ...v4, client: { ...clientInfo, timeZone: "Europe/Berlin", buildId: "b1" }, auth: { token: "s3cret", deviceToken: "x" }, modelCatalog: { agentId: "main" } };
    const result = await admitFirstFrame({ ...frame(params), traceparent: "00-abc-def-01" }, tokenMode());
    expect(result).toMatchObject({ ok: true, protocol: 4, authMethod: "token" });
  });
});
