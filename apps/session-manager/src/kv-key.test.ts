import { describe, expect, test } from "vitest";
import { decodeKey, encodeKey } from "./kv-key.js";

const KV_KEY = /^[-/=.\w]+$/;

describe("encodeKey / decodeKey", () => {
  test.each([
    ["agent:main:main", "agent=3Amain=3Amain"],
    ["global", "global"],
    ["a.b", "a=2Eb"],
    ["x=y", "x=3Dy"],
    ["", "="],
  ])("%j encodes to %j", (raw, encoded) => {
    expect(encodeKey(raw)).toBe(encoded);
    expect(decodeKey(encoded)).toBe(raw);
  });

  test("round-trips anything, always as one valid KV key token", () => {
    for (const raw of ["agent:main:telegram:group:-100123", "agent:x:subagent:9f8e", "ü/日本 *>", " spaces ", "a..b", ".lead", "trail.", "=3A", "chat:k-1"]) {
      const encoded = encodeKey(raw);
      expect(encoded).toMatch(KV_KEY);
      expect(encoded).not.toContain(".");
      expect(decodeKey(encoded)).toBe(raw);
    }
  });

  test("distinct keys never collide", () => {
    const raws = ["a:b", "a=3Ab", "a_b", "a-b", "A:b"];
    expect(new Set(raws.map(encodeKey)).size).toBe(raws.length);
  });

  test("refuses text it never produces", () => {
    for (const bad of ["a=3", "a=zz", "a.b", "a b", "=3a"]) expect(() => decodeKey(bad)).toThrow(/invalid encoded key/);
  });
});
