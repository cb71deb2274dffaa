import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { deviceAuthPayload } from "@clawdbot/protocol";
import { describe, expect, test } from "vitest";
import { decodeBase64Any, deviceIdFromPublicKey, parseDevicePublicKey, signedAtFresh, verifyDeviceSignature } from "./device-identity.js";

// A device as the original's CLI makes one (spec §4.3), with node:crypto only.
function makeDevice() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  return {
    raw,
    pem: publicKey.export({ type: "spki", format: "pem" }) as string,
    rawBase64Url: raw.toString("base64url"),
    id: createHash("sha256").update(raw).digest("hex"),
    sign: (payload: string) => sign(null, Buffer.from(payload, "utf8"), privateKey),
  };
}

const fields = { clientId: "cli", clientMode: "cli", role: "operator", scopes: [] as string[], signedAtMs: 1_700_000_000_000, token: "t" };

describe("device id = sha256 of the raw key", () => {
  test("raw base64url, standard base64 and PEM give the same id", () => {
    const device = makeDevice();
    expect(deviceIdFromPublicKey(device.rawBase64Url)).toBe(device.id);
    expect(deviceIdFromPublicKey(device.raw.toString("base64"))).toBe(device.id);
    expect(deviceIdFromPublicKey(device.pem)).toBe(device.id);
  });

  test("unreadable key text has no id", () => {
    expect(deviceIdFromPublicKey("not base64 at all!")).toBeNull();
    expect(deviceIdFromPublicKey("-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----")).toBeNull();
    expect(deviceIdFromPublicKey("")).toBeNull();
  });
});

describe("public key normalisation", () => {
  test("PEM and raw forms normalise to the same base64url", () => {
    const device = makeDevice();
    expect(parseDevicePublicKey(device.pem)?.base64Url).toBe(device.rawBase64Url);
    expect(parseDevicePublicKey(device.raw.toString("base64"))?.base64Url).toBe(device.rawBase64Url);
  });

  test("a key that is not 32 bytes, or not Ed25519, is refused", () => {
    expect(parseDevicePublicKey(Buffer.alloc(31, 1).toString("base64url"))).toBeNull();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }) as string;
    expect(deviceIdFromPublicKey(rsa)).toMatch(/^[0-9a-f]{64}$/); // an id, as the original derives one
    expect(parseDevicePublicKey(rsa)).toBeNull();
  });
});

describe("signatures", () => {
  test("v1 and v2 strings verify; signatures in base64url or base64", () => {
    const device = makeDevice();
    const key = parseDevicePublicKey(device.rawBase64Url)!;
    const v1 = deviceAuthPayload({ ...fields, deviceId: device.id });
    const v2 = deviceAuthPayload({ ...fields, deviceId: device.id, nonce: "nonce-1" });
    expect(v1.startsWith("v1|")).toBe(true);
    expect(v2.startsWith("v2|")).toBe(true);
    expect(verifyDeviceSignature(key, v1, device.sign(v1).toString("base64url"))).toBe(true);
    expect(verifyDeviceSignature(key, v2, device.sign(v2).toString("base64"))).toBe(true);
  });

  test("a signature over other fields, by another key, or malformed, fails", () => {
    const device = makeDevice();
    const other = makeDevice();
    const key = parseDevicePublicKey(device.pem)!;
    const payload = deviceAuthPayload({ ...fields, deviceId: device.id, nonce: "n" });
    const tampered = deviceAuthPayload({ ...fields, deviceId: device.id, nonce: "n", role: "node" });
    expect(verifyDeviceSignature(key, tampered, device.sign(payload).toString("base64url"))).toBe(false);
    expect(verifyDeviceSignature(key, payload, other.sign(payload).toString("base64url"))).toBe(false);
    expect(verifyDeviceSignature(key, payload, "!!!")).toBe(false);
    expect(verifyDeviceSignature(key, payload, device.sign(payload).subarray(0, 40).toString("base64url"))).toBe(false);
  });
});

test("base64 decoding accepts both alphabets and rejects other text", () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xfe]);
  expect(decodeBase64Any(bytes.toString("base64url"))).toEqual(bytes);
  expect(decodeBase64Any(bytes.toString("base64"))).toEqual(bytes);
  expect(decodeBase64Any("a b")).toBeNull();
  expect(decodeBase64Any("x".repeat(5000))).toBeNull();
});

test("signedAt may be up to 10 minutes off, either way", () => {
  const now = 1_700_000_000_000;
  expect(signedAtFresh(now, now)).toBe(true);
  expect(signedAtFresh(now - 10 * 60_000, now)).toBe(true);
  expect(signedAtFresh(now + 10 * 60_000, now)).toBe(true);
  expect(signedAtFresh(now - 10 * 60_000 - 1, now)).toBe(false);
  expect(signedAtFresh(now + 10 * 60_000 + 1, now)).toBe(false);
});
