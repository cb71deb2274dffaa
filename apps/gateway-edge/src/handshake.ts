import {
  ConnectParams,
  ConnectParamsAny,
  ConnectParamsV4,
  DEVICE_SIGNATURE_SKEW_MS,
  DEVICE_SIGNATURE_SKEW_MS_V4,
  type DevicePairingRequest,
  type DevicePairResolved,
  type DeviceProof,
  type DeviceToken,
  type ErrorKind,
  GatewayError,
  PROTOCOL_V3,
  PROTOCOL_V4,
  type PairedDevice,
  RequestFrameV4,
  ROLES,
  SUPPORTED_PROTOCOLS,
  defaultScopes,
  deviceAuthPayload,
  deviceAuthPayloadV3,
  formatParamsIssues,
  isControlUiClient,
  negotiateProtocol,
} from "@clawdbot/protocol";
import type { Logger } from "pino";
import { authFailureCode, sharedSecretFailure } from "./auth.js";
import type { AuthGuard } from "./auth-failures.js";
import type { ResolvedAuthSettings } from "./auth-settings.js";
import type { ClientAddress } from "./client-address.js";
import { type DevicePublicKey, deviceIdFromPublicKey, parseDevicePublicKey, signedAtFresh, verifyDeviceSignature } from "./device-identity.js";
import { type DeviceStore, pairedRoles, scopesAllow } from "./device-store.js";

/** How a connection proved itself: the shared secret (by mode), or a device token (spec §4.5). */
export type AuthMethod = "token" | "password" | "device-token";

/** The device of an admitted connection. */
export interface AdmittedDevice {
  id: string;
  /** The token `hello-ok.auth` hands out. */
  issued: DeviceToken | undefined;
  /** Set when the connection authenticated with a device token: revoking it drops the connection. */
  usedToken: string | undefined;
}

export interface Admitted {
  ok: true;
  requestId: string;
  /** The params as sent; v4 params are a superset of v3's (protocol-v4-delta §3). */
  params: ConnectParamsAny;
  role: string;
  scopes: string[];
  /** The negotiated version: every frame sent to this connection follows it. */
  protocol: number;
  authMethod: AuthMethod;
  device?: AdmittedDevice;
}

export interface Refused {
  ok: false;
  /** The answer sent before closing; absent where the original sends none (spec §3.4 a, b). */
  response?: { id: string; error: GatewayError };
  close: { code: number; reason?: string };
}

/** What every handshake on an edge shares. */
export interface AdmissionServices {
  devices: Pick<DeviceStore, "getPaired" | "verifyToken" | "requestPairing" | "approve" | "ensureToken" | "recordConnect">;
  guard: AuthGuard;
  /** Publishes a pairing event to the operators of every edge. */
  announce: (event: "device.pair.requested" | "device.pair.resolved", payload: DevicePairingRequest | DevicePairResolved) => void;
}

/** One connection's view of its handshake: where it comes from and the settings it started with. */
export interface AdmissionContext {
  /** The nonce of the `connect.challenge` this connection was sent. */
  nonce: string;
  client: ClientAddress;
  settings: ResolvedAuthSettings;
  services: AdmissionServices;
  log: Logger;
}

interface RefuseOptions {
  closeCode?: number;
  closeReason?: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
  /** Protocol 4's `details.code` (delta §7): every v4 handshake error carries one. */
  v4Code?: string;
  /** More `details` for v4 clients only; v3 clients get `details` alone, as before. */
  v4Details?: Record<string, unknown>;
}

function refuse(id: string, code: string, kind: ErrorKind, message: string, options: RefuseOptions = {}, protocol?: number | null): Refused {
  const closeCode = options.closeCode ?? 1008;
  const details = protocol === PROTOCOL_V4 && options.v4Code ? { code: options.v4Code, ...options.details, ...options.v4Details } : options.details;
  const error = new GatewayError(code, message, {
    kind,
    ...(details === undefined ? {} : { details }),
    ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs, retryable: true }),
  });
  return { ok: false, response: { id, error }, close: { code: closeCode, reason: options.closeReason ?? (closeCode === 1002 ? "protocol mismatch" : message) } };
}

/**
 * The version a `connect` will get, read before the params are validated so the matching schema
 * can check them: a number, null when the offered range meets no supported version, undefined
 * when the range cannot be read (the schema then says what is wrong).
 */
export function offeredProtocol(rawParams: unknown): number | null | undefined {
  if (rawParams === null || typeof rawParams !== "object") return undefined;
  const { minProtocol, maxProtocol } = rawParams as { minProtocol?: unknown; maxProtocol?: unknown };
  if (!Number.isInteger(minProtocol) || !Number.isInteger(maxProtocol)) return undefined;
  return negotiateProtocol(minProtocol as number, maxProtocol as number);
}

interface SignedFields {
  clientId: string;
  clientMode: string;
  role: string;
  requestedScopes: readonly string[];
  token: string | undefined;
  platform: string | undefined;
  deviceFamily: string | undefined;
}

type ProofFailure = { message: string; code: string; reason: string };

const PROOF_FAILURES = {
  mismatch: { message: "device identity mismatch", code: "DEVICE_AUTH_DEVICE_ID_MISMATCH", reason: "device-id-mismatch" },
  expired: { message: "device signature expired", code: "DEVICE_AUTH_SIGNATURE_EXPIRED", reason: "device-signature-stale" },
  nonceRequired: { message: "device nonce required", code: "DEVICE_AUTH_NONCE_REQUIRED", reason: "device-nonce-missing" },
  nonceMismatch: { message: "device nonce mismatch", code: "DEVICE_AUTH_NONCE_MISMATCH", reason: "device-nonce-mismatch" },
  keyInvalid: { message: "device public key invalid", code: "DEVICE_AUTH_PUBLIC_KEY_INVALID", reason: "device-public-key" },
  signatureInvalid: { message: "device signature invalid", code: "DEVICE_AUTH_SIGNATURE_INVALID", reason: "device-signature" },
} satisfies Record<string, ProofFailure>;

/**
 * Rows i–n of spec §3.4: the device id is the key's hash, the signature is fresh, the nonce is
 * the challenge's (required unless local-direct), and the signature verifies — v2 over the
 * nonce, or v1 when a local client signs none. Row n (a key that is not an Ed25519 key) is
 * checked before the signature: the original checks it after, where it can never fire, since
 * such a key never verifies; checked first, it reports what is actually wrong.
 *
 * Protocol 4 (delta §4): a 2-minute window, the nonce always, and the v3 string (with platform
 * and device family) tried before v2; v1 is gone.
 */
function checkDeviceProof(device: DeviceProof, signed: SignedFields, ctx: AdmissionContext, protocol: number): DevicePublicKey | ProofFailure {
  const v4 = protocol === PROTOCOL_V4;
  const derivedId = deviceIdFromPublicKey(device.publicKey);
  if (!derivedId || derivedId !== device.id) return PROOF_FAILURES.mismatch; // (i)
  if (!signedAtFresh(device.signedAt, Date.now(), v4 ? DEVICE_SIGNATURE_SKEW_MS_V4 : DEVICE_SIGNATURE_SKEW_MS)) return PROOF_FAILURES.expired; // (j)
  const nonce = device.nonce?.trim() ?? "";
  if ((v4 || !ctx.client.local) && !nonce) return PROOF_FAILURES.nonceRequired; // (k)
  if (nonce && nonce !== ctx.nonce) return PROOF_FAILURES.nonceMismatch; // (l)
  const key = parseDevicePublicKey(device.publicKey);
  if (!key) return PROOF_FAILURES.keyInvalid; // (n)
  const fields = {
    deviceId: device.id,
    clientId: signed.clientId,
    clientMode: signed.clientMode,
    role: signed.role,
    scopes: signed.requestedScopes,
    signedAtMs: device.signedAt,
    token: signed.token,
  };
  const payloads = [deviceAuthPayload({ ...fields, nonce: nonce || undefined })];
  if (v4) payloads.unshift(deviceAuthPayloadV3({ ...fields, nonce, platform: signed.platform, deviceFamily: signed.deviceFamily }));
  if (!payloads.some((payload) => verifyDeviceSignature(key, payload, device.signature))) return PROOF_FAILURES.signatureInvalid; // (m)
  return key;
}

type PairingNeed = "not-paired" | "role-upgrade" | "scope-upgrade";

function pairingNeed(paired: PairedDevice | undefined, key: DevicePublicKey, role: string, scopes: readonly string[]): PairingNeed | null {
  if (!paired || paired.publicKey !== key.base64Url) return "not-paired";
  if (!pairedRoles(paired).includes(role)) return "role-upgrade";
  if (!scopesAllow(scopes, paired.scopes)) return "scope-upgrade";
  return null;
}

/**
 * Protocol 4 clears the declared scopes of a device-less operator (delta §4), except a local CLI
 * and a local backend holding the shared secret, which keep theirs.
 */
function deviceLessScopesV4(client: { id: string; mode: string }, local: boolean, scopes: string[]): string[] {
  const keeps = local && ((client.id === "cli" && client.mode === "cli") || (client.id === "gateway-client" && client.mode === "backend"));
  return keeps ? scopes : [];
}

/** Worker identities use their own endpoint in protocol 4; on this one they are refused silently. */
function claimsWorker(params: ConnectParamsAny): boolean {
  return params.role === "worker" || params.client.id === "openclaw-worker" || params.client.mode === "worker";
}

/**
 * Runs the original's connect checks in order (spec §3.4, rows d–p) on `connect` params, in
 * either dialect, then pairs the device and issues its token (spec §4.5). The version is
 * negotiated first (protocol-v4-delta §1) and decides the schema and the rules. A device store
 * that cannot be reached refuses the connect as UNAVAILABLE (retryable), never leaves it hanging.
 */
export async function admitConnect(id: string, rawParams: unknown, ctx: AdmissionContext): Promise<Admitted | Refused> {
  try {
    return await checkConnect(id, rawParams, ctx);
  } catch (err) {
    ctx.log.error({ err }, "connect check failed");
    const details = offeredProtocol(rawParams) === PROTOCOL_V4 ? { details: { code: "CONNECT_CHECK_FAILED" } } : {};
    const error = new GatewayError("UNAVAILABLE", "gateway could not check the connect; try again", { kind: "unavailable", retryable: true, ...details });
    return { ok: false, response: { id, error }, close: { code: 1011, reason: "connect check failed" } };
  }
}

async function checkConnect(id: string, rawParams: unknown, ctx: AdmissionContext): Promise<Admitted | Refused> {
  const offered = offeredProtocol(rawParams);
  const schema = offered === PROTOCOL_V3 ? ConnectParams : offered === PROTOCOL_V4 ? ConnectParamsV4 : ConnectParamsAny;
  const parsed = schema.safeParse(rawParams);
  if (!parsed.success) {
    const message = `invalid connect params: ${formatParamsIssues(parsed.error.issues)}`;
    return refuse(id, "INVALID_REQUEST", "invalidParams", message, { v4Code: "INVALID_CONNECT_PARAMS" }, offered); // (d)
  }
  const params: ConnectParamsAny = parsed.data;
  if (offered === null || offered === undefined) {
    const details = {
      code: "PROTOCOL_MISMATCH",
      clientMinProtocol: params.minProtocol,
      clientMaxProtocol: params.maxProtocol,
      // The version nearest to what the client offered: 3 (as a v3 server says) below, 4 above.
      expectedProtocol: params.maxProtocol < Math.min(...SUPPORTED_PROTOCOLS) ? Math.min(...SUPPORTED_PROTOCOLS) : Math.max(...SUPPORTED_PROTOCOLS),
      minimumProtocol: Math.min(...SUPPORTED_PROTOCOLS),
      supportedProtocols: [...SUPPORTED_PROTOCOLS],
    };
    return refuse(id, "INVALID_REQUEST", "invalidRequest", "protocol mismatch", { closeCode: 1002, details }); // (e)
  }
  const protocol = offered;
  const v4 = protocol === PROTOCOL_V4;
  const no = (code: string, kind: ErrorKind, message: string, options: RefuseOptions = {}) => refuse(id, code, kind, message, options, protocol);

  if (v4 && claimsWorker(params)) return { ok: false, close: { code: 1008, reason: "invalid-handshake" } };
  const role = params.role ?? "operator";
  if (!(ROLES as readonly string[]).includes(role)) return no("INVALID_REQUEST", "invalidRequest", "invalid role", { v4Code: "INVALID_ROLE" }); // (f)
  const requestedScopes = params.scopes ?? [];
  // v3 turns no scopes into admin for operators; v4 keeps them empty (delta §4).
  let scopes = requestedScopes.length > 0 || v4 ? requestedScopes : defaultScopes(role);

  const { settings, services } = ctx;
  const { client, auth } = params;
  const isUi = isControlUiClient(client.id);
  const uiBypass = isUi && (settings.controlUiAllowInsecureAuth || settings.controlUiDisableDeviceAuth);
  const device = isUi && settings.controlUiDisableDeviceAuth ? undefined : params.device;
  if (!device && isUi && !uiBypass) {
    return v4
      ? no("INVALID_REQUEST", "unauthorized", "control ui requires device identity (use HTTPS or localhost secure context)", { v4Code: "CONTROL_UI_DEVICE_IDENTITY_REQUIRED" })
      : no("INVALID_REQUEST", "unauthorized", "control ui requires HTTPS or localhost (secure context)"); // (g)
  }
  const retryAfterMs = services.guard.retryAfterMs(ctx.client.ip);
  if (retryAfterMs > 0) {
    const message = "unauthorized: too many failed attempts (retry later)";
    return v4
      ? no("INVALID_REQUEST", "rateLimited", message, { retryAfterMs, v4Code: "AUTH_RATE_LIMITED", details: { authReason: "rate_limited" } })
      : no("RATE_LIMITED", "rateLimited", message, { retryAfterMs });
  }
  // v3: a device-less client needs the token (row h). v4 admits device-less operators by shared
  // secret (their scopes are cleared below), but a node needs a device (delta §4).
  if (!device && (v4 ? role === "node" : !auth?.token && !(uiBypass && auth?.password))) {
    return no("NOT_PAIRED", "notPaired", "device identity required", { v4Code: "DEVICE_IDENTITY_REQUIRED" }); // (h)
  }

  let key: DevicePublicKey | undefined;
  if (device) {
    const signedToken = v4 ? (auth?.token ?? auth?.deviceToken ?? auth?.bootstrapToken) : auth?.token;
    const signed = { clientId: client.id, clientMode: client.mode, role, requestedScopes, token: signedToken, platform: client.platform, deviceFamily: client.deviceFamily };
    const proof = checkDeviceProof(device, signed, ctx, protocol);
    if (!("key" in proof)) return no("INVALID_REQUEST", "unauthorized", proof.message, { v4Code: proof.code, v4Details: { reason: proof.reason } }); // (i)–(n)
    key = proof;
  }

  let paired = device ? await services.devices.getPaired(device.id) : undefined;
  let authMethod: AuthMethod;
  let usedDeviceToken: string | undefined;
  const sharedFailure = sharedSecretFailure(settings, auth, client);
  // v4 clients send a device token in auth.deviceToken; auth.token is still tried as one (delta §4).
  const deviceTokens = device ? [v4 ? auth?.deviceToken : undefined, auth?.token].filter((t): t is string => !!t) : [];
  if (!sharedFailure) authMethod = settings.mode;
  else if ((usedDeviceToken = deviceTokens.find((token) => services.devices.verifyToken(paired, token, role, scopes)))) authMethod = "device-token";
  else {
    services.guard.recordFailure(ctx.client.ip);
    ctx.log.warn({ remote: ctx.client.ip, client: client.id, mode: client.mode, deviceId: device?.id }, "connect unauthorized");
    const deviceTokenFailed = v4 && device && auth?.deviceToken;
    const details = { authReason: deviceTokenFailed ? "device_token_mismatch" : sharedFailure.reason, canRetryWithDeviceToken: !!device && !!paired?.tokens?.[role] && !deviceTokenFailed };
    return no("INVALID_REQUEST", "unauthorized", sharedFailure.message, { v4Code: deviceTokenFailed ? "AUTH_DEVICE_TOKEN_MISMATCH" : authFailureCode(sharedFailure.reason), v4Details: details }); // (o)
  }

  if (!device || !key) {
    if (v4) scopes = deviceLessScopesV4(client, ctx.client.local, scopes);
    return { ok: true, requestId: id, params, role, scopes, protocol, authMethod };
  }

  const need = pairingNeed(paired, key, role, scopes);
  if (need) {
    const { request, created } = await services.devices.requestPairing({
      deviceId: device.id,
      publicKey: key.base64Url,
      displayName: client.displayName,
      platform: client.platform,
      clientId: client.id,
      clientMode: client.mode,
      role,
      scopes,
      remoteIp: ctx.client.ip || undefined,
      silent: ctx.client.local,
      isRepair: paired !== undefined,
    });
    // Local-direct devices are approved at once, silently (spec §4.5).
    const approved = ctx.client.local ? await services.devices.approve(request.requestId) : undefined;
    if (approved) {
      services.announce("device.pair.resolved", { requestId: request.requestId, deviceId: device.id, decision: "approved", ts: Date.now() });
      paired = approved.device;
      ctx.log.info({ deviceId: device.id, reason: need, requestId: request.requestId }, "device paired (local)");
    } else {
      if (created && !ctx.client.local) services.announce("device.pair.requested", request);
      ctx.log.info({ deviceId: device.id, reason: need, requestId: request.requestId, remote: ctx.client.ip }, "device pairing required");
      if (!v4) return no("NOT_PAIRED", "notPaired", "pairing required", { details: { requestId: request.requestId } }); // (p)
      const message = `pairing required: ${need}`;
      const details = {
        reason: need,
        requestId: request.requestId,
        requestedRole: role,
        requestedScopes: scopes,
        approvedRoles: paired && paired.publicKey === key.base64Url ? pairedRoles(paired) : [],
        approvedScopes: paired && paired.publicKey === key.base64Url ? (paired.scopes ?? []) : [],
      };
      return no("NOT_PAIRED", "notPaired", message, { v4Code: "PAIRING_REQUIRED", details, closeReason: `${message} (requestId: ${request.requestId})` });
    }
  }

  const issued = await services.devices.ensureToken(device.id, role, scopes, paired);
  const usedToken = authMethod === "device-token" ? usedDeviceToken : undefined;
  void services.devices.recordConnect(
    device.id,
    { displayName: client.displayName, platform: client.platform, clientId: client.id, clientMode: client.mode, remoteIp: ctx.client.ip || undefined },
    usedToken ? role : undefined,
  );
  return { ok: true, requestId: id, params, role, scopes, protocol, authMethod, device: { id: device.id, issued, usedToken } };
}

/**
 * The first native frame of a connection (spec §3.4, rows a–c, then `admitConnect`). Read with
 * the v4 envelope, a superset of v3's (`traceparent`, `expectedProfileId`).
 */
export async function admitFirstFrame(frame: unknown, ctx: AdmissionContext): Promise<Admitted | Refused> {
  const request = RequestFrameV4.safeParse(frame);
  if (!request.success) return { ok: false, close: { code: 1008, reason: "invalid request frame" } }; // (b)
  const { id, method, params } = request.data;
  if (method !== "connect") {
    return refuse(id, "INVALID_REQUEST", "invalidRequest", "invalid handshake: first request must be connect"); // (c)
  }
  return admitConnect(id, params, ctx);
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
      minProtocol: PROTOCOL_V3,
      maxProtocol: PROTOCOL_V3,
      client: { id: "gateway-client", version: "jsonrpc", platform: "unknown", mode: "backend" },
    },
    role: "operator",
    scopes: defaultScopes("operator"),
    protocol: PROTOCOL_V3,
    authMethod: "token",
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
