// JetStream KV keys (and subject tokens) allow only `[-/_=.A-Za-z0-9]`, and dots split tokens.
// Session keys have colons, and imported ones may have anything, so every other byte is written
// as `=XX` (uppercase hex of its UTF-8 bytes). `=` itself is escaped, which keeps the mapping
// reversible; `.` and `/` are escaped too, so an encoded key is always one subject token.

const SAFE = /[A-Za-z0-9_-]/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes any string into one KV-key/subject token. The empty string becomes `=`. */
export function encodeKey(raw: string): string {
  if (raw === "") return "=";
  let out = "";
  for (const char of raw) {
    if (SAFE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of encoder.encode(char)) out += "=" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The inverse of `encodeKey`; throws on text `encodeKey` never produces. */
export function decodeKey(encoded: string): string {
  if (encoded === "=") return "";
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; ) {
    const char = encoded[i]!;
    if (char === "=") {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`invalid encoded key: ${encoded}`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else if (SAFE.test(char)) {
      bytes.push(char.charCodeAt(0));
      i += 1;
    } else {
      throw new Error(`invalid encoded key: ${encoded}`);
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}
