// Hostile WebSocket frames for the edge fuzz test, from a seeded generator so a failing run can
// be replayed with the same seed (FUZZ_SEED).

export interface HostileFrame {
  kind: string;
  data: string | Buffer;
  /** Sent as a binary frame (the edge reads binary as UTF-8 text, as the original does). */
  binary: boolean;
  /** Sent as a text frame whose bytes are not UTF-8: ws must close the socket with 1007. */
  invalidUtf8?: boolean;
}

/** True for a frame the edge answers by closing the socket (bad UTF-8: 1007; over the limit: 1009). */
export function closesSocket(frame: HostileFrame, maxPayload: number): boolean {
  return frame.invalidUtf8 === true || Buffer.byteLength(frame.data) > maxPayload;
}

/** mulberry32: small, fast, good enough to pick cases; seeded for replay. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = [
  "health", "status", "system-presence", "system-event", "sessions.list", "sessions.preview", "sessions.resolve", "sessions.patch",
  "chat.history", "chat.send", "chat.abort", "config.get", "models.list", "agents.list", "agent.wait", "no.such.method", "a.>", "*", "",
  " sessions.list", "sessions..list", "__proto__", "constructor", "toString", "hasOwnProperty", "connect",
];

/** Every kind of hostile frame, picked by weight; `maxPayload` is the edge's frame limit. */
export class HostileFrames {
  readonly #random: () => number;
  readonly #maxPayload: number;
  #n = 0;

  constructor(seed: number, maxPayload: number) {
    this.#random = rng(seed);
    this.#maxPayload = maxPayload;
  }

  /** A frame for a handshaken connection of the given dialect. */
  next(dialect: "native" | "jsonrpc"): HostileFrame {
    const r = this.#random();
    if (r < 0.1) return { kind: "random-bytes-binary", data: this.#bytes(this.#int(1, 2048)), binary: true };
    if (r < 0.18) return { kind: "random-text", data: this.#text(this.#int(0, 512)), binary: false };
    if (r < 0.3) return { kind: "mutated-json", data: this.#mutate(JSON.stringify(this.#request(dialect, true))), binary: this.#random() < 0.2 };
    if (r < 0.33) return { kind: "deep-nesting", data: this.#deep(dialect), binary: false };
    if (r < 0.335) return { kind: "huge-string", data: this.#huge(dialect), binary: this.#random() < 0.3 };
    if (r < 0.45) return { kind: "proto-keys", data: this.#proto(dialect), binary: false };
    if (r < 0.62) return { kind: "wrong-types", data: this.#wrongTypes(dialect), binary: false };
    if (r < 0.66) return { kind: "json-primitive", data: this.#pick(["1", "-0", "1e999", '"x"', "null", "true", "[]", "[[]]", "{}", '""', "[null]", "[1,2,3]"]), binary: false };
    if (dialect === "jsonrpc" && r < 0.74) return { kind: "batch", data: this.#batch(), binary: false };
    if (r < 0.995) return { kind: "plausible-request", data: JSON.stringify(this.#request(dialect, false)), binary: this.#random() < 0.1 };
    return { kind: "invalid-utf8-text", data: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]), binary: false, invalidUtf8: true };
  }

  /** A hostile first frame for a fresh connection (it is closed or times out after it). */
  firstFrame(): HostileFrame {
    const r = this.#random();
    const connectParams = () => ({ minProtocol: this.#pick([3, "3", -1, 1e308, null]), maxProtocol: this.#pick([3, 99, {}, []]), client: this.#value(3), auth: this.#value(2) });
    if (r < 0.2) return { kind: "first-garbage", data: this.#text(this.#int(1, 256)), binary: this.#random() < 0.5 };
    if (r < 0.4) return { kind: "first-not-connect", data: JSON.stringify({ type: "req", id: "1", method: this.#pick(METHODS), params: {} }), binary: false };
    if (r < 0.7) return { kind: "first-bad-connect", data: JSON.stringify({ type: "req", id: this.#value(1), method: "connect", params: connectParams() }), binary: false };
    if (r < 0.85) return { kind: "first-proto-connect", data: `{"type":"req","id":"1","method":"connect","params":{"__proto__":{"minProtocol":3,"maxProtocol":3,"auth":{"token":"x"}},"constructor":{"prototype":{"admin":true}}}}`, binary: false };
    return { kind: "first-jsonrpc-garbage", data: JSON.stringify({ jsonrpc: "2.0", id: this.#value(1), method: this.#pick(METHODS), params: this.#value(2) }), binary: false };
  }

  get count(): number {
    return this.#n;
  }

  #request(dialect: "native" | "jsonrpc", hostileParams: boolean): Record<string, unknown> {
    this.#n++;
    const method = this.#pick(METHODS);
    const params = hostileParams || this.#random() < 0.5 ? this.#value(3) : this.#paramsFor(method);
    return dialect === "native" ? { type: "req", id: `f${this.#n}`, method, params } : { jsonrpc: "2.0", id: this.#n, method, params };
  }

  /** Shapes close to valid, so some get past validation into the services. */
  #paramsFor(method: string): unknown {
    const key = this.#pick(["main", "fuzz", "", "a".repeat(300), "agent:main:main", "../../etc/passwd", "x.>", "\u0000", "🦀"]);
    switch (method) {
      case "sessions.list":
        return { limit: this.#pick([1, 0, -1, 1e9, 2.5, "5", null]), search: this.#pick([undefined, key]) };
      case "chat.history":
        return { sessionKey: key, limit: this.#pick([1, 1000, -5, "x"]) };
      case "system-event":
        return { text: this.#text(this.#int(0, 64)), host: key, mode: this.#pick(["ui", "x", 7]) };
      case "sessions.patch":
        return { key, label: this.#pick([null, 5, "x", {}]), thinkingLevel: this.#pick(["off", "bogus", 3]) };
      default:
        return {};
    }
  }

  #value(depth: number): unknown {
    const r = this.#random();
    if (depth <= 0 || r < 0.4) {
      return this.#pick<unknown>([null, true, false, 0, -1, 1e308, -1e-308, 2 ** 53 + 1, "", "x", "\u0000", "\ud800", "🦀", this.#text(this.#int(0, 40)), "__proto__"]);
    }
    if (r < 0.7) return Array.from({ length: this.#int(0, 5) }, () => this.#value(depth - 1));
    const obj: Record<string, unknown> = {};
    for (let i = this.#int(0, 5); i > 0; i--) obj[this.#pick(["a", "limit", "sessionKey", "constructor", "prototype", "toString", "valueOf", "id", "__proto__", this.#text(4)])] = this.#value(depth - 1);
    return obj;
  }

  #deep(dialect: "native" | "jsonrpc"): string {
    const depth = this.#pick([1_000, 10_000, 100_000, 200_000]);
    const nested = this.#random() < 0.5 ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    const where = this.#random();
    if (where < 0.1) return nested;
    const id = where < 0.2 ? nested : dialect === "native" ? '"deep"' : "1";
    const head = dialect === "native" ? `{"type":"req","id":${id},"method":"${this.#pick(METHODS)}","params":` : `{"jsonrpc":"2.0","id":${id},"method":"${this.#pick(METHODS)}","params":`;
    return `${head}${nested}}`;
  }

  #huge(dialect: "native" | "jsonrpc"): string {
    // Just under the limit mostly; sometimes over it, which closes the socket with 1009.
    const size = this.#random() < 0.7 ? this.#maxPayload - 200 : this.#maxPayload + this.#int(1, 4096);
    const big = "A".repeat(size);
    const where = this.#pick(["method", "id", "params", "key"]);
    const base: Record<string, unknown> = dialect === "native" ? { type: "req", id: "h", method: "sessions.list", params: {} } : { jsonrpc: "2.0", id: 1, method: "sessions.list", params: {} };
    if (where === "method") base.method = big;
    else if (where === "id") base.id = big;
    else if (where === "params") base.params = { search: big };
    else base.params = { [big]: 1 };
    return JSON.stringify(base);
  }

  #proto(dialect: "native" | "jsonrpc"): string {
    const method = this.#pick(METHODS);
    const variants =
      dialect === "native"
        ? [
            `{"__proto__":{"type":"req","id":"p","method":"${method}"}}`,
            `{"type":"req","id":"p","method":"${method}","params":{"__proto__":{"limit":1,"admin":true}}}`,
            `{"type":"req","id":"p","method":"${method}","params":{"constructor":{"prototype":{"polluted":true}}}}`,
            `{"type":"req","id":{"__proto__":null},"method":"${method}"}`,
            `{"type":"req","id":"p","method":"${method}","__proto__":{"scopes":["operator.admin"]},"params":{"__proto__":[]}}`,
          ]
        : [
            `{"__proto__":{"jsonrpc":"2.0","id":1,"method":"${method}"}}`,
            `{"jsonrpc":"2.0","id":1,"method":"${method}","params":{"__proto__":{"limit":1}}}`,
            `[{"jsonrpc":"2.0","id":1,"method":"${method}","params":{"constructor":{"prototype":{"x":1}}}},{"__proto__":{}}]`,
          ];
    return this.#pick(variants);
  }

  #wrongTypes(dialect: "native" | "jsonrpc"): string {
    const bad = () => this.#pick<unknown>([null, 1, -1, 1.5, true, [], {}, [1], { a: 1 }, "", "x".repeat(this.#int(0, 2000))]);
    const frame: Record<string, unknown> =
      dialect === "native"
        ? { type: this.#random() < 0.5 ? "req" : bad(), id: this.#random() < 0.5 ? `w${this.#int(0, 1e6)}` : bad(), method: this.#random() < 0.5 ? this.#pick(METHODS) : bad(), params: bad() }
        : { jsonrpc: this.#pick<unknown>(["2.0", "1.0", 2, null]), id: this.#random() < 0.5 ? this.#int(0, 1e6) : bad(), method: this.#random() < 0.5 ? this.#pick(METHODS) : bad(), params: bad() };
    for (const key of Object.keys(frame)) if (this.#random() < 0.15) delete frame[key];
    if (this.#random() < 0.2) frame[this.#text(6)] = bad();
    return JSON.stringify(frame);
  }

  #batch(): string {
    const size = this.#pick([0, 1, 2, 50, 100, 101, 500, 2_000]);
    const entries = Array.from({ length: size }, () => {
      const r = this.#random();
      if (r < 0.3) return { jsonrpc: "2.0", method: this.#pick(METHODS), params: this.#value(2) }; // notification
      if (r < 0.5) return this.#value(1);
      if (r < 0.55) return [];
      return { jsonrpc: "2.0", id: this.#int(0, 1e6), method: this.#pick(METHODS), params: this.#random() < 0.5 ? {} : this.#value(2) };
    });
    return JSON.stringify(entries);
  }

  #mutate(text: string): string {
    const chars = [...text];
    for (let i = this.#int(1, 8); i > 0; i--) {
      const at = this.#int(0, chars.length);
      const op = this.#random();
      if (op < 0.33) chars.splice(at, 1);
      else if (op < 0.66) chars.splice(at, 0, this.#pick(['"', "{", "}", "[", "]", ",", ":", "\\", "\u0000", "\ud83e"]));
      else chars.length = Math.min(chars.length, at);
    }
    return chars.join("");
  }

  #bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.#random() * 256);
    return out;
  }

  #text(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) {
      const r = this.#random();
      out += r < 0.8 ? String.fromCharCode(32 + Math.floor(this.#random() * 95)) : r < 0.9 ? String.fromCharCode(Math.floor(this.#random() * 32)) : String.fromCodePoint(0x80 + Math.floor(this.#random() * 0x2ff00));
    }
    return out;
  }

  #int(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)]!;
  }
}
