import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { deviceAuthPayload } from "@clawdbot/protocol";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { acceptsSharedSecret, checkSharedSecret, secretsEqual } from "./auth.js";
import { type AuthSettingsInput, resolveAuthSettings } from "./auth-settings.js";
import { type AdmissionContext, type AdmissionServices, admitFirstFrame, truncateCloseReason } from "./handshake.js";
import { AuthRateLimiter } from "./rate-limit.js";

// These rows are decided before the device store is read; a store that throws proves it is never reached.
const unreachableStore = new Proxy({} as AdmissionServices["devices"], {
  get: (_target, method) => () => {
    throw new Error(`device store reached: ${String(method)}`);
  },
});

function context(settings: AuthSettingsInput, options: { local?: boolean; limiter?: AuthRateLimiter } = {}): AdmissionContext {
  return {
    nonce: "challenge-nonce",
    client: { ip: options.local === false ? "203.0.113.9" : "127.0.0.1", local: options.local ?? true, viaTrustedProxy: false },
    settings: resolveAuthSettings(settings),
    services: { devices: unreachableStore, guard: options.limiter ?? new AuthRateLimiter({ maxFailures: 0, windowMs: 1 }), announce: () => undefined },
    log: pino({ enabled: false }),
  };
}

const tokenMode = context({ mode: "token", token: "s3cret" });
const passwordMode = context({ mode: "password", password: "pw" });

function connectFrame(params: Record<string, unknown>): unknown {
  return { type: "req", id: "c1", method: "connect", params };
}

const base = { minProtocol: 3, maxProtocol: 3, client: { id: "test", version: "1", platform: "linux", mode: "test" } };

function device(overrides: { nonce?: string; signedAt?: number; publicKey?: string; id?: string; token?: string } = {}) {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  const id = overrides.id ?? createHash("sha256").update(raw).digest("hex");
  const signedAt = overrides.signedAt ?? Date.now();
  const payload = deviceAuthPayload({ deviceId: id, clientId: "test", clientMode: "test", role: "operator", scopes: [], signedAtMs: signedAt, token: overrides.token, nonce: overrides.nonce });
  return {
    id,
    publicKey: overrides.publicKey ?? raw.toString("base64url"),
    signature: sign(null, Buffer.from(payload), privateKey).toString("base64url"),
    signedAt,
    ...(overrides.nonce ? { nonce: overrides.nonce } : {}),
  };
}

describe("admitFirstFrame - the original's checks in order (spec §3.4)", () => {
  test("admits a token client without a device, with the admin default scope", async () => {
    const result = await admitFirstFrame(connectFrame({ ...base, auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({ ok: true, role: "operator", scopes: ["operator.admin"], protocol: 3, authMethod: "token" });
    expect(result).not.toHaveProperty("device");
  });

  test("keeps requested scopes and node role", async () => {
    const result = await admitFirstFrame(connectFrame({ ...base, role: "node", scopes: ["x.y"], auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({ ok: true, role: "node", scopes: ["x.y"] });
    const node = await admitFirstFrame(connectFrame({ ...base, role: "node", auth: { token: "s3cret" } }), tokenMode);
    expect(node).toMatchObject({ ok: true, scopes: [] });
  });

  test("(b) not a request frame: no response, close 1008", async () => {
    const result = await admitFirstFrame({ type: "event", event: "x" }, tokenMode);
    expect(result).toMatchObject({ ok: false, close: { code: 1008, reason: "invalid request frame" } });
    expect(result).not.toHaveProperty("response");
  });

  test("(c) first request not connect", async () => {
    const result = await admitFirstFrame({ type: "req", id: "x", method: "health" }, tokenMode);
    expect(result).toMatchObject({
      ok: false,
      response: { id: "x", error: { code: "INVALID_REQUEST", message: "invalid handshake: first request must be connect" } },
      close: { code: 1008, reason: "invalid handshake: first request must be connect" },
    });
  });

  test("(e) protocol mismatch closes 1002 with expectedProtocol", async () => {
    const result = await admitFirstFrame(connectFrame({ ...base, minProtocol: 1, maxProtocol: 2, auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({
      ok: false,
      response: { error: { message: "protocol mismatch", details: { expectedProtocol: 3 } } },
      close: { code: 1002, reason: "protocol mismatch" },
    });
  });

  test("(f) invalid role", async () => {
    const result = await admitFirstFrame(connectFrame({ ...base, role: "admin", auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({ ok: false, response: { error: { message: "invalid role" } } });
  });

  test("(g) Control UI without a device, unless a bypass flag is set", async () => {
    const ui = { ...base, client: { ...base.client, id: "moltbot-control-ui", mode: "webchat" }, auth: { token: "s3cret" } };
    const result = await admitFirstFrame(connectFrame(ui), tokenMode);
    expect(result).toMatchObject({ ok: false, response: { error: { message: "control ui requires HTTPS or localhost (secure context)" } } });
    const insecure = context({ mode: "password", password: "pw", controlUiAllowInsecureAuth: true });
    const bypassed = await admitFirstFrame(connectFrame({ ...ui, auth: { password: "pw" } }), insecure);
    expect(bypassed).toMatchObject({ ok: true, authMethod: "password" });
  });

  test("(h) no device and no token: a password alone does not count", async () => {
    const result = await admitFirstFrame(connectFrame({ ...base, auth: { password: "pw" } }), passwordMode);
    expect(result).toMatchObject({ ok: false, response: { error: { code: "NOT_PAIRED", message: "device identity required" } } });
  });

  test("(i)–(n) device proofs are checked before any store read", async () => {
    const refusal = async (proof: unknown, ctx = tokenMode) => {
      const result = await admitFirstFrame(connectFrame({ ...base, auth: { token: "s3cret" }, device: proof }), ctx);
      return result.ok ? "admitted" : result.response?.error.message;
    };
    expect(await refusal({ ...device(), id: "0".repeat(64) })).toBe("device identity mismatch");
    expect(await refusal(device({ signedAt: Date.now() - 11 * 60_000 }))).toBe("device signature expired");
    expect(await refusal(device(), context({ mode: "token", token: "s3cret" }, { local: false }))).toBe("device nonce required");
    expect(await refusal(device({ nonce: "other" }))).toBe("device nonce mismatch");
    expect(await refusal({ ...device({ token: "s3cret" }), signature: device().signature })).toBe("device signature invalid");
    const shortKey = Buffer.alloc(31, 7);
    const shortId = createHash("sha256").update(shortKey).digest("hex");
    expect(await refusal({ ...device(), id: shortId, publicKey: shortKey.toString("base64url") })).toBe("device public key invalid");
  });

  test("(o) wrong secret, with the client's hint", async () => {
    const result = await admitFirstFrame(connectFrame({ ...base, auth: { token: "nope" } }), tokenMode);
    expect(result).toMatchObject({
      ok: false,
      response: { error: { code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch (provide gateway auth token)" } },
      close: { code: 1008 },
    });
  });

  test("failed attempts from one address are limited with retryAfterMs", async () => {
    const limiter = new AuthRateLimiter({ maxFailures: 2, windowMs: 60_000 });
    const ctx = context({ mode: "token", token: "s3cret" }, { limiter });
    for (let i = 0; i < 2; i++) await admitFirstFrame(connectFrame({ ...base, auth: { token: "nope" } }), ctx);
    const limited = await admitFirstFrame(connectFrame({ ...base, auth: { token: "s3cret" } }), ctx);
    expect(limited).toMatchObject({ ok: false, response: { error: { code: "RATE_LIMITED", retryable: true } }, close: { code: 1008 } });
    const retryAfterMs = limited.ok ? 0 : (limited.response?.error.retryAfterMs ?? 0);
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe("shared secret", () => {
  test("token and password modes look only at their own field", () => {
    const cli = { id: "cli" as const, mode: "cli" as const };
    const token = { mode: "token" as const, token: "s3cret" };
    const password = { mode: "password" as const, password: "pw" };
    expect(checkSharedSecret(token, { token: "s3cret" }, cli)).toBeNull();
    expect(checkSharedSecret(token, { password: "s3cret" }, cli)).toBe("unauthorized: gateway token missing (set gateway.remote.token to match gateway.auth.token)");
    expect(checkSharedSecret(password, { token: "x", password: "pw" }, cli)).toBeNull();
    expect(checkSharedSecret(password, { password: "no" }, { id: "webchat", mode: "webchat" })).toBe(
      "unauthorized: gateway password mismatch (enter the password in Control UI settings)",
    );
    expect(acceptsSharedSecret(token, "s3cret")).toBe(true);
    expect(acceptsSharedSecret(password, "s3cret")).toBe(false);
  });

  test("secretsEqual compares bytes, not prefixes", () => {
    expect(secretsEqual("abc", "abc")).toBe(true);
    expect(secretsEqual("abc", "abcd")).toBe(false);
    expect(secretsEqual("abd", "abc")).toBe(false);
    expect(secretsEqual("é", "é")).toBe(true);
  });
});

test("close reasons are cut to 120 bytes on a character boundary", () => {
  const reason = "é".repeat(100); // 200 bytes
  const cut = truncateCloseReason(reason);
  expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(120);
  expect(cut).toBe("é".repeat(60));
  expect(truncateCloseReason("short")).toBe("short");
});
