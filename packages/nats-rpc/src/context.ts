import { headers, type Msg, type MsgHdrs } from "nats";

/** Who is calling, as the edge vouches for it. Travels in NATS headers (ARCHITECTURE §3). */
export interface CallerContext {
  requestId: string;
  connId?: string;
  edgeId?: string;
  clientId?: string;
  clientMode?: string;
  role?: string;
  scopes?: readonly string[];
  /** Epoch ms after which the caller no longer waits for an answer. */
  deadline?: number;
}

/** Who the caller is, without what changes from call to call (request id, deadline). */
export type CallerIdentity = Omit<CallerContext, "requestId" | "deadline">;

export const ContextHeaders = {
  requestId: "Gw-Request-Id",
  connId: "Gw-Conn-Id",
  edgeId: "Gw-Edge-Id",
  clientId: "Gw-Client-Id",
  clientMode: "Gw-Client-Mode",
  role: "Gw-Role",
  scopes: "Gw-Scopes",
  deadline: "Gw-Deadline",
  /** The caller's wait, relative to when the service receives the call (a bound caller's deadline). */
  timeoutMs: "Gw-Timeout-Ms",
} as const;

export function contextToHeaders(context: CallerContext): MsgHdrs {
  const h = identityHeaders(context);
  h.set(ContextHeaders.requestId, context.requestId);
  if (context.deadline !== undefined) h.set(ContextHeaders.deadline, String(context.deadline));
  return h;
}

function identityHeaders(context: CallerIdentity): MsgHdrs {
  const h = headers();
  if (context.connId) h.set(ContextHeaders.connId, context.connId);
  if (context.edgeId) h.set(ContextHeaders.edgeId, context.edgeId);
  if (context.clientId) h.set(ContextHeaders.clientId, context.clientId);
  if (context.clientMode) h.set(ContextHeaders.clientMode, context.clientMode);
  if (context.role) h.set(ContextHeaders.role, context.role);
  // Scopes travel comma-joined; one with a comma in it would come out as several scopes on the
  // service side. No real scope has a comma, so such a scope grants nothing and is dropped.
  if (context.scopes) h.set(ContextHeaders.scopes, context.scopes.filter((s) => !s.includes(",")).join(","));
  return h;
}

/**
 * A caller's header block, encoded once. An edge connection's identity does not change between
 * calls, so rebuilding and re-encoding eight headers per call (9% of the edge's CPU in the bench
 * profile) buys nothing: the request id already travels as the JSON-RPC id, and the deadline
 * travels as a wait relative to receipt, so one block serves every call of the connection.
 *
 * nats.js only ever calls `encode()` on the headers of an outgoing publish, which is all this
 * implements; it is handed over as `MsgHdrs` for that one use.
 */
export class BoundHeaders {
  readonly timeoutMs: number;
  readonly #encoded: Uint8Array;

  constructor(identity: CallerIdentity, timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    const h = identityHeaders(identity);
    h.set(ContextHeaders.timeoutMs, String(timeoutMs));
    // The NATS header block: a version line, `Name: value` lines, a blank line. `set` above has
    // already refused values with CR or LF in them.
    let block = "NATS/1.0\r\n";
    for (const key of h.keys()) for (const value of h.values(key)) block += `${key}: ${value}\r\n`;
    this.#encoded = new TextEncoder().encode(`${block}\r\n`);
  }

  encode(): Uint8Array {
    return this.#encoded;
  }

  asMsgHdrs(): MsgHdrs {
    return this as unknown as MsgHdrs;
  }
}

export function contextFromHeaders(h: MsgHdrs | undefined, fallbackRequestId: string): CallerContext {
  return contextFromParts(partsFromHeaders(h), fallbackRequestId, Date.now());
}

/** A header block as read, before the call's own request id and clock are applied. */
interface HeaderParts {
  identity: CallerIdentity;
  requestId: string | undefined;
  deadline: number | undefined;
  timeoutMs: number | undefined;
}

function partsFromHeaders(h: MsgHdrs | undefined): HeaderParts {
  const get = (name: string) => (h?.has(name) ? h.get(name) : undefined);
  const identity: CallerIdentity = {};
  const connId = get(ContextHeaders.connId);
  if (connId) identity.connId = connId;
  const edgeId = get(ContextHeaders.edgeId);
  if (edgeId) identity.edgeId = edgeId;
  const clientId = get(ContextHeaders.clientId);
  if (clientId) identity.clientId = clientId;
  const clientMode = get(ContextHeaders.clientMode);
  if (clientMode) identity.clientMode = clientMode;
  const role = get(ContextHeaders.role);
  if (role) identity.role = role;
  const scopes = get(ContextHeaders.scopes);
  if (scopes !== undefined) identity.scopes = scopes ? scopes.split(",") : [];
  const deadline = Number(get(ContextHeaders.deadline));
  const timeoutMs = Number(get(ContextHeaders.timeoutMs));
  return {
    identity,
    requestId: get(ContextHeaders.requestId) || undefined,
    deadline: Number.isFinite(deadline) && deadline > 0 ? deadline : undefined,
    timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined,
  };
}

function contextFromParts(parts: HeaderParts, fallbackRequestId: string, now: number): CallerContext {
  const context: CallerContext = { requestId: parts.requestId ?? fallbackRequestId, ...parts.identity };
  if (parts.deadline !== undefined) context.deadline = parts.deadline;
  else if (parts.timeoutMs !== undefined) context.deadline = now + parts.timeoutMs;
  return context;
}

/** What nats.js keeps of a received message before it decodes anything (its internals, read defensively). */
interface RawMsg {
  _rdata?: unknown;
  _msg?: { hdr?: unknown };
}

/**
 * Reads the caller's context from a received call, remembering header blocks it has seen. An
 * edge connection sends the same block with every call (`BoundHeaders`), and decoding it with
 * nats.js on every call (a string split, a map, and a key scan per lookup) was the largest
 * single cost of a cheap method on the service side. A block carrying its own request id or
 * absolute deadline is unique to one call and is decoded, never remembered.
 */
export class CallerContextReader {
  readonly #blocks = new Map<string, HeaderParts>();
  readonly #capacity: number;

  constructor(capacity = 4096) {
    this.#capacity = capacity;
  }

  /** Header blocks remembered. */
  get size(): number {
    return this.#blocks.size;
  }

  read(msg: Msg, fallbackRequestId: string): CallerContext {
    const raw = msg as unknown as RawMsg;
    const length = raw._msg?.hdr;
    const data = raw._rdata;
    if (typeof length !== "number" || !(data instanceof Uint8Array) || length > data.length) return contextFromHeaders(msg.headers, fallbackRequestId);
    if (length <= 0) return { requestId: fallbackRequestId };
    const key = Buffer.from(data.buffer, data.byteOffset, length).toString("latin1");
    let parts = this.#blocks.get(key);
    if (parts === undefined) {
      parts = partsFromHeaders(msg.headers);
      if (parts.requestId === undefined && parts.deadline === undefined) {
        // Oldest first out: a Map iterates in insertion order.
        if (this.#blocks.size >= this.#capacity) this.#blocks.delete(this.#blocks.keys().next().value as string);
        this.#blocks.set(key, parts);
      }
    }
    return contextFromParts(parts, fallbackRequestId, Date.now());
  }
}
