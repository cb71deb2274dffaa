import { describe, expect, test } from "vitest";
import type { Connection } from "./connection.js";
import { Broadcaster } from "./fanout.js";
import { eventFrameFromJson } from "./frames.js";

/** A handshaken native client of one protocol version, as the broadcaster sees it. */
function client(protocol: number, scopes: string[], options: { role?: string; buffered?: number } = {}) {
  const frames: Record<string, unknown>[] = [];
  let seq = 0;
  const conn = {
    state: "open",
    role: options.role ?? "operator",
    scopes,
    protocol,
    bufferedAmount: options.buffered ?? 0,
    maxBufferedBytes: protocol === 4 ? 50 : 10,
    nextEventSeq: () => ++seq,
    dialect: { name: "native", eventText: eventFrameFromJson },
    sendRaw: (text: string) => (frames.push(JSON.parse(text) as Record<string, unknown>), true),
    close: () => undefined,
  };
  return { conn: conn as unknown as Connection, frames, raw: conn };
}

const text = (t: string) => ({ role: "assistant", content: [{ type: "text", text: t }], timestamp: 1 });
const chat = (seq: number, state: string, t?: string) => ({ runId: "r", sessionKey: "agent:main:main", seq, state, ...(t === undefined ? {} : { message: text(t) }) });

describe("Broadcaster per version (protocol-v4-delta §2, §6)", () => {
  test("v3 gets the log's seq (the edge's own events repeat the last one) and the cumulative chat shape; v4 counts its own seq and gets deltaText", () => {
    const v3 = client(3, ["operator.admin"]);
    const v4 = client(4, ["operator.admin"]);
    const b = new Broadcaster(new Map([["a", v3.conn], ["b", v4.conn]]), 10);
    b.startAt(40);
    b.broadcast("tick", { ts: 1 });
    b.broadcast("chat", chat(1, "delta", "Hi"), { logSeq: 41 });
    b.broadcast("chat", chat(2, "delta", "Hi there"), { logSeq: 43 });
    b.broadcast("chat", chat(3, "final", "Hi there"), { logSeq: 44 });
    expect(v3.frames.map((f) => f.seq)).toEqual([40, 41, 43, 44]);
    expect(b.seq).toBe(44);
    expect(v4.frames.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    expect(v3.frames.slice(1).map((f) => f.payload)).toEqual([chat(1, "delta", "Hi"), chat(2, "delta", "Hi there"), chat(3, "final", "Hi there")]);
    expect(v4.frames.slice(1, 3).map((f) => (f.payload as { deltaText: string }).deltaText)).toEqual(["Hi", " there"]);
    expect(v4.frames[3]!.payload).toEqual(chat(3, "final", "Hi there"));
  });

  test("v4 seq is per client: events a client is not sent are not counted, events it misses are", () => {
    const reader = client(4, ["operator.read"]);
    const slow = client(4, ["operator.read"], { buffered: 100 });
    const b = new Broadcaster(new Map([["a", reader.conn], ["b", slow.conn]]), 10);
    b.broadcast("config.changed", {}); // admin only: not addressed to either
    b.broadcast("chat", chat(1, "delta", "a"), { dropIfSlow: true });
    slow.raw.bufferedAmount = 0;
    b.broadcast("chat", chat(2, "delta", "ab"), { dropIfSlow: true });
    expect(reader.frames.map((f) => f.seq)).toEqual([1, 2]);
    expect(slow.frames.map((f) => f.seq)).toEqual([2]);
    // The slow client missed "a": it gets the whole text, marked replace.
    expect(slow.frames[0]!.payload).toMatchObject({ deltaText: "ab", replace: true });
    expect(reader.frames[1]!.payload).toMatchObject({ deltaText: "b" });
  });

  test("v4 gating fails closed and needs read for chat; v3 rules are unchanged", () => {
    const v3NoScopes = client(3, []);
    const v4NoScopes = client(4, []);
    const v4Node = client(4, [], { role: "node" });
    const b = new Broadcaster(new Map([["a", v3NoScopes.conn], ["b", v4NoScopes.conn], ["c", v4Node.conn]]), 10);
    for (const event of ["tick", "chat", "made.up.event", "exec.approval.requested"]) b.broadcast(event, chat(1, "final"));
    expect(v3NoScopes.frames.map((f) => f.event)).toEqual(["tick", "chat", "made.up.event"]);
    expect(v4NoScopes.frames.map((f) => f.event)).toEqual(["tick"]);
    expect(v4Node.frames.map((f) => f.event)).toEqual(["tick"]);
  });

  test("v3 gets no status events; each version's slow threshold applies", () => {
    const v3 = client(3, ["operator.admin"]);
    const v4 = client(4, ["operator.admin"], { buffered: 20 });
    const b = new Broadcaster(new Map([["a", v3.conn], ["b", v4.conn]]), 10);
    b.broadcast("chat", { runId: "r", sessionKey: "k", seq: 0, state: "status", phase: "startup" });
    expect(v3.frames).toEqual([]);
    expect(v4.frames.map((f) => (f.payload as { state: string }).state)).toEqual(["status"]);
  });

  test("targeted events: no seq for v3, a per-client seq for v4", () => {
    const v3 = client(3, ["operator.admin"]);
    const v4 = client(4, ["operator.admin"]);
    const b = new Broadcaster(new Map([["a", v3.conn], ["b", v4.conn]]), 10);
    b.sendTo("a", "node.invoke.request", "{}");
    b.sendTo("b", "node.invoke.request", "{}");
    expect(v3.frames[0]).not.toHaveProperty("seq");
    expect(v4.frames[0]).toMatchObject({ seq: 1 });
  });

  test("a held client gets its live frames after release, in order; others get them at once", () => {
    const replaying = client(3, ["operator.admin"]);
    const other = client(3, ["operator.admin"]);
    const b = new Broadcaster(new Map([["a", replaying.conn], ["b", other.conn]]), 10);
    b.hold(replaying.conn);
    b.broadcast("chat", chat(1, "delta", "Hi"), { logSeq: 7 });
    b.broadcast("tick", { ts: 2 });
    expect(replaying.frames).toEqual([]);
    expect(other.frames.map((f) => f.seq)).toEqual([7, 7]);
    b.sendReplayed(replaying.conn, b.replayText(replaying.conn, "chat", JSON.stringify(chat(0, "delta", "H")), 6)!);
    b.release(replaying.conn);
    expect(replaying.frames.map((f) => [f.event, f.seq])).toEqual([["chat", 6], ["chat", 7], ["tick", 7]]);
    b.broadcast("tick", { ts: 3 });
    expect(replaying.frames).toHaveLength(4);
  });

  test("replayText keeps the scope guards and the v3 chat shape", () => {
    const reader = client(3, ["operator.read"]);
    const b = new Broadcaster(new Map([["a", reader.conn]]), 10);
    expect(b.replayText(reader.conn, "device.pair.requested", "{}", 3)).toBeNull();
    expect(b.replayText(reader.conn, "chat", JSON.stringify({ ...chat(0, "status"), phase: "x" }), 4)).toBeNull();
    const frame = JSON.parse(b.replayText(reader.conn, "chat", JSON.stringify({ ...chat(1, "delta", "Hi"), deltaText: "Hi" }), 5)!) as Record<string, unknown>;
    expect(frame).toEqual({ type: "event", event: "chat", seq: 5, payload: chat(1, "delta", "Hi") });
  });
});
