import {
  ConnectParams,
  type ErrorKind,
  GatewayError,
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
  /** The answer sent before closing; absent where the original sends none (spec §3.4 a, b). */
  response?: { id: string; error: GatewayError };
  close: { code: number; reason?: string };
}

function refuse(id: string, code: string, kind: ErrorKind, message: string, closeCode = 1008, details?: unknown): Refused {
  const error = new GatewayError(code, message, details === undefined ? { kind } : { kind, details });
  return { ok: false, response: { id, error }, close: { code: closeCode, reason: closeCode === 1002 ? "protocol mismatch" : message } };
}

/**
 * Runs the original's connect checks in order (spec §3.4, rows d–o) on `connect` params, in
 * either dialect. Device identity (rows i–n) and pairing (row p) are accepted unverified until
 * the auth work lands.
 */
export function admitConnect(id: string, rawParams: unknown, secrets: SharedSecrets): Admitted | Refused {
  const parsed = ConnectParams.safeParse(rawParams);
  if (!parsed.success) {
    return refuse(id, "INVALID_REQUEST", "invalidParams", `invalid connect params: ${formatParamsIssues(parsed.error.issues)}`); // (d)
  }
  const params = parsed.data;
  if (params.minProtocol > PROTOCOL_VERSION || params.maxProtocol < PROTOCOL_VERSION) {
    return refuse(id, "INVALID_REQUEST", "invalidRequest", "protocol mismatch", 1002, { expectedProtocol: PROTOCOL_VERSION }); // (e)
  }
  const role = params.role ?? "operator";
  if (!(ROLES as readonly string[]).includes(role)) return refuse(id, "INVALID_REQUEST", "invalidRequest", "invalid role"); // (f)
  if (!params.device && isControlUiClient(params.client.id)) {
    return refuse(id, "INVALID_REQUEST", "unauthorized", "control ui requires HTTPS or localhost (secure context)"); // (g)
  }
  if (!params.device && !params.auth?.token) {
    return refuse(id, "NOT_PAIRED", "notPaired", "device identity required"); // (h)
  }
  const authFailure = checkSharedSecret(secrets, params.auth, params.client);
  if (authFailure) return refuse(id, "INVALID_REQUEST", "unauthorized", authFailure); // (o)
  const scopes = params.scopes && params.scopes.length > 0 ? params.scopes : defaultScopes(role);
  return { ok: true, requestId: id, params, role, scopes, protocol: PROTOCOL_VERSION };
}

/** The first native frame of a connection (spec §3.4, rows a–c, then `admitConnect`). */
export function admitFirstFrame(frame: unknown, secrets: SharedSecrets): Admitted | Refused {
  const request = RequestFrame.safeParse(frame);
  if (!request.success) return { ok: false, close: { code: 1008, reason: "invalid request frame" } }; // (b)
  const { id, method, params } = request.data;
  if (method !== "connect") {
    return refuse(id, "INVALID_REQUEST", "invalidRequest", "invalid handshake: first request must be connect"); // (c)
  }
  return admitConnect(id, params, secrets);
}

/**
 * Who a client is when it presented the shared token at upgrade time instead of calling
 * `connect` (JSON-RPC only, ARCHITECTURE §3a): an operator with the original's default scopes.
 */
export function admitByUpgradeToken(): Admitted {
  return {
    ok: true,
    requestId: "upgrade",
    params: {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client: { id: "gateway-client", version: "jsonrpc", platform: "unknown", mode: "backend" },
    },
    role: "operator",
    scopes: defaultScopes("operator"),
    protocol: PROTOCOL_VERSION,
  };
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
