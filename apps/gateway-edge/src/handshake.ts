import {
  ConnectParams,
  type ErrorShape,
  PROTOCOL_VERSION,
  RequestFrame,
  ROLES,
  defaultScopes,
  formatParamsIssues,
  isControlUiClient,
} from "@clawdbot/protocol";
import { type SharedSecrets, checkSharedSecret } from "./auth.js";

export interface Admitted {
  ok: true;
  requestId: string;
  params: ConnectParams;
  role: string;
  scopes: string[];
  protocol: number;
}

export interface Refused {
  ok: false;
  /** The `res` sent before closing; absent where the original sends none (spec §3.4 a, b). */
  response?: { id: string; error: ErrorShape };
  close: { code: number; reason?: string };
}

const refuse = (id: string, code: string, message: string, closeCode = 1008, closeReason = message, details?: unknown): Refused => ({
  ok: false,
  response: { id, error: details === undefined ? { code, message } : { code, message, details } },
  close: { code: closeCode, reason: closeReason },
});

/**
 * Runs the original's connect checks in order (spec §3.4) on the first frame of a connection.
 * Device identity (rows i–n) and pairing (row p) are accepted unverified until the auth work.
 */
export function admitFirstFrame(text: string, secrets: SharedSecrets): Admitted | Refused {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { ok: false, close: { code: 1000 } }; // (a) not JSON: a plain close, as the original
  }
  const request = RequestFrame.safeParse(frame);
  if (!request.success) return { ok: false, close: { code: 1008, reason: "invalid request frame" } }; // (b)
  const { id, method, params: rawParams } = request.data;
  if (method !== "connect") {
    return refuse(id, "INVALID_REQUEST", "invalid handshake: first request must be connect"); // (c)
  }
  const parsed = ConnectParams.safeParse(rawParams);
  if (!parsed.success) {
    return refuse(id, "INVALID_REQUEST", `invalid connect params: ${formatParamsIssues(parsed.error.issues)}`); // (d)
  }
  const params = parsed.data;
  if (params.minProtocol > PROTOCOL_VERSION || params.maxProtocol < PROTOCOL_VERSION) {
    return refuse(id, "INVALID_REQUEST", "protocol mismatch", 1002, "protocol mismatch", { expectedProtocol: PROTOCOL_VERSION }); // (e)
  }
  const role = params.role ?? "operator";
  if (!(ROLES as readonly string[]).includes(role)) return refuse(id, "INVALID_REQUEST", "invalid role"); // (f)
  if (!params.device && isControlUiClient(params.client.id)) {
    return refuse(id, "INVALID_REQUEST", "control ui requires HTTPS or localhost (secure context)"); // (g)
  }
  if (!params.device && !params.auth?.token) {
    return refuse(id, "NOT_PAIRED", "device identity required"); // (h)
  }
  const authFailure = checkSharedSecret(secrets, params.auth, params.client);
  if (authFailure) return refuse(id, "INVALID_REQUEST", authFailure); // (o)
  const scopes = params.scopes && params.scopes.length > 0 ? params.scopes : defaultScopes(role);
  return { ok: true, requestId: id, params, role, scopes, protocol: PROTOCOL_VERSION };
}

/** Close reasons are limited to 123 bytes by RFC 6455; the original cuts them at 120. */
export function truncateCloseReason(reason: string): string {
  const bytes = Buffer.from(reason, "utf8");
  if (bytes.length <= 120) return reason;
  // Cut on a character boundary so the reason stays valid UTF-8.
  let end = 120;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}
