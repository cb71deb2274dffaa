import { type KeyObject, createHash, createPublicKey, verify } from "node:crypto";
import { DEVICE_SIGNATURE_SKEW_MS } from "@clawdbot/protocol";

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
// Keys and signatures are small; anything longer is not one and is not worth decoding.
const MAX_ENCODED_LENGTH = 4096;
const BASE64_ANY = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes base64url or standard base64, padded or not; null when the text is neither. */
export function decodeBase64Any(text: string): Buffer | null {
  if (text.length > MAX_ENCODED_LENGTH || !BASE64_ANY.test(text)) return null;
  const standard = text.replace(/=+$/, "").replaceAll("-", "+").replaceAll("_", "/");
  if (standard.length % 4 === 1) return null;
  return Buffer.from(standard, "base64");
}

export function encodeBase64Url(bytes: Buffer): string {
  return bytes.toString("base64url");
}

/**
 * The key bytes a device id is derived from (spec §4.3): the raw key from an Ed25519 PEM (the
 * whole SPKI for other PEM keys, as the original), or the decoded base64url/base64 text.
 */
function keyBytes(publicKey: string): Buffer | null {
  if (publicKey.includes("BEGIN")) {
    try {
      const spki = createPublicKey(publicKey).export({ type: "spki", format: "der" });
      const isEd25519 = spki.length === ED25519_SPKI_PREFIX.length + 32 && spki.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX);
      return isEd25519 ? spki.subarray(ED25519_SPKI_PREFIX.length) : spki;
    } catch {
      return null;
    }
  }
  const raw = decodeBase64Any(publicKey);
  return raw && raw.length > 0 ? raw : null;
}

/** Lowercase hex SHA-256 of the raw public key; null when the key text cannot be read at all. */
export function deviceIdFromPublicKey(publicKey: string): string | null {
  const bytes = keyBytes(publicKey);
  return bytes ? createHash("sha256").update(bytes).digest("hex") : null;
}

/** A device's Ed25519 key, in its canonical text (raw 32 bytes, base64url without padding). */
export interface DevicePublicKey {
  key: KeyObject;
  base64Url: string;
}

/** The device key as an Ed25519 key; null unless it is exactly one (32 raw bytes, or an Ed25519 PEM). */
export function parseDevicePublicKey(publicKey: string): DevicePublicKey | null {
  const bytes = keyBytes(publicKey);
  if (!bytes || bytes.length !== 32) return null;
  try {
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, bytes]), format: "der", type: "spki" });
    return { key, base64Url: encodeBase64Url(bytes) };
  } catch {
    return null;
  }
}

/** Verifies an Ed25519 signature (base64url or base64) over the UTF-8 bytes of `payload`. */
export function verifyDeviceSignature(key: DevicePublicKey, payload: string, signature: string): boolean {
  const bytes = decodeBase64Any(signature);
  if (!bytes || bytes.length !== 64) return false;
  try {
    return verify(null, Buffer.from(payload, "utf8"), key.key, bytes);
  } catch {
    return false;
  }
}

/**
 * A signature made more than 10 minutes from now, either way, is stale (spec §4.3); protocol 4
 * passes its own 2-minute window (delta §4).
 */
export function signedAtFresh(signedAtMs: number, now = Date.now(), skewMs = DEVICE_SIGNATURE_SKEW_MS): boolean {
  return Math.abs(now - signedAtMs) <= skewMs;
}
