import { expect, test } from "vitest";
import { deviceAuthPayload, deviceAuthPayloadV3 } from "./device-auth.js";

const base = { deviceId: "d", clientId: "cli", clientMode: "cli", role: "operator", signedAtMs: 1700000000000 };

test("v1 without a nonce: scopes as sent, token or empty", () => {
  expect(deviceAuthPayload({ ...base, scopes: [], token: "t" })).toBe("v1|d|cli|cli|operator||1700000000000|t");
  expect(deviceAuthPayload({ ...base, scopes: ["operator.read", "operator.write"] })).toBe(
    "v1|d|cli|cli|operator|operator.read,operator.write|1700000000000|",
  );
});

test("v2 appends the nonce", () => {
  expect(deviceAuthPayload({ ...base, scopes: ["operator.admin"], token: null, nonce: "n-1" })).toBe(
    "v2|d|cli|cli|operator|operator.admin|1700000000000||n-1",
  );
});

test("v3 (protocol 4) adds platform and device family, trimmed and ASCII lower-cased", () => {
  expect(deviceAuthPayloadV3({ ...base, scopes: [], token: "t", nonce: "n", platform: " Darwin ", deviceFamily: "iPhone" })).toBe(
    "v3|d|cli|cli|operator||1700000000000|t|n|darwin|iphone",
  );
  expect(deviceAuthPayloadV3({ ...base, scopes: ["operator.read"], nonce: "n" })).toBe("v3|d|cli|cli|operator|operator.read|1700000000000||n||");
});
