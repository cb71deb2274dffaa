import { headers, type MsgHdrs } from "nats";

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

export const ContextHeaders = {
  requestId: "Gw-Request-Id",
  connId: "Gw-Conn-Id",
  edgeId: "Gw-Edge-Id",
  clientId: "Gw-Client-Id",
  clientMode: "Gw-Client-Mode",
  role: "Gw-Role",
  scopes: "Gw-Scopes",
  deadline: "Gw-Deadline",
} as const;

export function contextToHeaders(context: CallerContext): MsgHdrs {
  const h = headers();
  h.set(ContextHeaders.requestId, context.requestId);
  if (context.connId) h.set(ContextHeaders.connId, context.connId);
  if (context.edgeId) h.set(ContextHeaders.edgeId, context.edgeId);
  if (context.clientId) h.set(ContextHeaders.clientId, context.clientId);
  if (context.clientMode) h.set(ContextHeaders.clientMode, context.clientMode);
  if (context.role) h.set(ContextHeaders.role, context.role);
  // Scopes travel comma-joined; one with a comma in it would come out as several scopes on the
  // service side. No real scope has a comma, so such a scope grants nothing and is dropped.
  if (context.scopes) h.set(ContextHeaders.scopes, context.scopes.filter((s) => !s.includes(",")).join(","));
  if (context.deadline !== undefined) h.set(ContextHeaders.deadline, String(context.deadline));
  return h;
}

export function contextFromHeaders(h: MsgHdrs | undefined, fallbackRequestId: string): CallerContext {
  const get = (name: string) => (h?.has(name) ? h.get(name) : undefined);
  const context: CallerContext = { requestId: get(ContextHeaders.requestId) || fallbackRequestId };
  const connId = get(ContextHeaders.connId);
  if (connId) context.connId = connId;
  const edgeId = get(ContextHeaders.edgeId);
  if (edgeId) context.edgeId = edgeId;
  const clientId = get(ContextHeaders.clientId);
  if (clientId) context.clientId = clientId;
  const clientMode = get(ContextHeaders.clientMode);
  if (clientMode) context.clientMode = clientMode;
  const role = get(ContextHeaders.role);
  if (role) context.role = role;
  const scopes = get(ContextHeaders.scopes);
  if (scopes !== undefined) context.scopes = scopes ? scopes.split(",") : [];
  const deadline = Number(get(ContextHeaders.deadline));
  if (Number.isFinite(deadline) && deadline > 0) context.deadline = deadline;
  return context;
}
