/**
 * The native protocol (v3) as the load generator speaks it, plus the cheap reads it does on the
 * hot path: a real client would parse every frame, but on a 2-core machine the client's CPU is
 * taken from the server being measured, so replies are matched by scanning for their id.
 */

export interface ClientIdentity {
  id: string;
  mode: string;
}

export function connectFrame(id: string, token: string | undefined, who: ClientIdentity): string {
  return JSON.stringify({
    type: "req",
    id,
    method: "connect",
    params: {
      minProtocol: 3,
      maxProtocol: 3,
      client: { id: who.id, version: "1.0.0", platform: process.platform, mode: who.mode },
      ...(token ? { auth: { token } } : {}),
    },
  });
}

const ID_SLOT = "@@id@@";

/** A request frame split where its id goes, once, so each call only concatenates. */
export function requestTemplate(method: string, params: unknown): [string, string] {
  const text = JSON.stringify({ type: "req", id: ID_SLOT, method, params });
  const at = text.indexOf(ID_SLOT);
  return [text.slice(0, at), text.slice(at + ID_SLOT.length)];
}

const ID_KEY = Buffer.from('"id":"');
const OK_FALSE = Buffer.from('"ok":false');
const EVENT_PREFIX = Buffer.from('{"type":"event"');

export type ReadFrame =
  | { kind: "reply"; id: string; ok: boolean }
  | { kind: "event" }
  | { kind: "other" };

/**
 * What a received frame is, without a full parse: a reply (`res`, or the request itself coming
 * back from an echo) with its id, an event, or anything else. Top-level keys come first in
 * every frame we read (`{"type":…,"id":…,`), so the first `"id":"` is the frame's id.
 */
export function readFrame(buf: Buffer): ReadFrame {
  if (buf.length >= EVENT_PREFIX.length && buf.subarray(0, EVENT_PREFIX.length).equals(EVENT_PREFIX)) return { kind: "event" };
  const at = buf.indexOf(ID_KEY);
  if (at < 0 || at > 32) return { kind: "other" };
  const start = at + ID_KEY.length;
  const end = buf.indexOf(0x22, start);
  if (end < 0) return { kind: "other" };
  const id = buf.toString("latin1", start, end);
  const okAt = buf.indexOf(OK_FALSE, end);
  return { kind: "reply", id, ok: okAt < 0 || okAt > end + 16 };
}

const MARK = Buffer.from('"benchN":');

/** The `benchN` counter of a bench fan-out event, or -1 for any other frame. */
export function readBenchEvent(buf: Buffer): number {
  const at = buf.indexOf(MARK);
  if (at < 0) return -1;
  let n = 0;
  let i = at + MARK.length;
  let digits = 0;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    digits++;
  }
  return digits ? n : -1;
}

const EVENT_NAME_PREFIX = Buffer.from('{"type":"event","event":"');
const RUN_ID_KEY = Buffer.from('"runId":"');

/** A request frame with its own id and params (calls that differ per request, such as `chat.send`). */
export function requestFrame(id: string, method: string, params: unknown): string {
  return JSON.stringify({ type: "req", id, method, params });
}

/**
 * The event name and the payload's `runId` of an event frame, without parsing it (agent events
 * are most of a chat stream's frames); undefined for anything else. A quote inside a JSON string
 * is escaped, so the first `"runId":"` in the frame is a key: the payload's, which comes first in
 * `chat` and `agent` payloads.
 */
export function readEventHead(buf: Buffer): { event: string; runId: string | undefined } | undefined {
  const from = EVENT_NAME_PREFIX.length;
  if (buf.length < from || !buf.subarray(0, from).equals(EVENT_NAME_PREFIX)) return undefined;
  const nameEnd = buf.indexOf(0x22, from);
  if (nameEnd < 0) return undefined;
  const event = buf.toString("latin1", from, nameEnd);
  const at = buf.indexOf(RUN_ID_KEY, nameEnd);
  if (at < 0) return { event, runId: undefined };
  const start = at + RUN_ID_KEY.length;
  const end = buf.indexOf(0x22, start);
  return { event, runId: end < 0 ? undefined : buf.toString("utf8", start, end) };
}
