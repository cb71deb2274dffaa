import { describe, expect, test } from "vitest";
import { checkSharedSecret, secretsEqual } from "./auth.js";
import { admitFirstFrame, truncateCloseReason } from "./handshake.js";

const tokenMode = { authMode: "token" as const, token: "s3cret", password: undefined };
const passwordMode = { authMode: "password" as const, token: undefined, password: "pw" };

function connectFrame(params: Record<string, unknown>): unknown {
  return { type: "req", id: "c1", method: "connect", params };
}

const base = { minProtocol: 3, maxProtocol: 3, client: { id: "test", version: "1", platform: "linux", mode: "test" } };

describe("admitFirstFrame - the original's checks in order (spec §3.4)", () => {
  test("admits a token client with the admin default scope", () => {
    const result = admitFirstFrame(connectFrame({ ...base, auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({ ok: true, role: "operator", scopes: ["operator.admin"], protocol: 3 });
  });

  test("keeps requested scopes and node role", () => {
    const result = admitFirstFrame(connectFrame({ ...base, role: "node", scopes: ["x.y"], auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({ ok: true, role: "node", scopes: ["x.y"] });
    const node = admitFirstFrame(connectFrame({ ...base, role: "node", auth: { token: "s3cret" } }), tokenMode);
    expect(node).toMatchObject({ ok: true, scopes: [] });
  });

  test("(b) not a request frame: no response, close 1008", () => {
    const result = admitFirstFrame({ type: "event", event: "x" }, tokenMode);
    expect(result).toMatchObject({ ok: false, close: { code: 1008, reason: "invalid request frame" } });
    expect(result).not.toHaveProperty("response");
  });

  test("(c) first request not connect", () => {
    const result = admitFirstFrame({ type: "req", id: "x", method: "health" }, tokenMode);
    expect(result).toMatchObject({
      ok: false,
      response: { id: "x", error: { code: "INVALID_REQUEST", message: "invalid handshake: first request must be connect" } },
      close: { code: 1008, reason: "invalid handshake: first request must be connect" },
    });
  });

  test("(e) protocol mismatch closes 1002 with expectedProtocol", () => {
    const result = admitFirstFrame(connectFrame({ ...base, minProtocol: 1, maxProtocol: 2, auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({
      ok: false,
      response: { error: { message: "protocol mismatch", details: { expectedProtocol: 3 } } },
      close: { code: 1002, reason: "protocol mismatch" },
    });
  });

  test("(f) invalid role", () => {
    const result = admitFirstFrame(connectFrame({ ...base, role: "admin", auth: { token: "s3cret" } }), tokenMode);
    expect(result).toMatchObject({ ok: false, response: { error: { message: "invalid role" } } });
  });

  test("(g) Control UI without a device", () => {
    const ui = { ...base, client: { ...base.client, id: "moltbot-control-ui", mode: "webchat" }, auth: { token: "s3cret" } };
    const result = admitFirstFrame(connectFrame(ui), tokenMode);
    expect(result).toMatchObject({ ok: false, response: { error: { message: "control ui requires HTTPS or localhost (secure context)" } } });
  });

  test("(h) no device and no token: a password alone does not count", () => {
    const result = admitFirstFrame(connectFrame({ ...base, auth: { password: "pw" } }), passwordMode);
    expect(result).toMatchObject({ ok: false, response: { error: { code: "NOT_PAIRED", message: "device identity required" } } });
  });

  test("(o) wrong secret, with the client's hint", () => {
    const result = admitFirstFrame(connectFrame({ ...base, auth: { token: "nope" } }), tokenMode);
    expect(result).toMatchObject({
      ok: false,
      response: { error: { code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch (provide gateway auth token)" } },
      close: { code: 1008 },
    });
  });
});

describe("shared secret", () => {
  test("token and password modes look only at their own field", () => {
    const cli = { id: "cli" as const, mode: "cli" as const };
    expect(checkSharedSecret(tokenMode, { token: "s3cret" }, cli)).toBeNull();
    expect(checkSharedSecret(tokenMode, { password: "s3cret" }, cli)).toBe(
      "unauthorized: gateway token missing (set gateway.remote.token to match gateway.auth.token)",
    );
    expect(checkSharedSecret(passwordMode, { token: "x", password: "pw" }, cli)).toBeNull();
    expect(checkSharedSecret(passwordMode, { password: "no" }, { id: "webchat", mode: "webchat" })).toBe(
      "unauthorized: gateway password mismatch (enter the password in Control UI settings)",
    );
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
