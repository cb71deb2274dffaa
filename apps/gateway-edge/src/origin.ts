import type { IncomingMessage } from "node:http";
import { type ResolvedAuthSettings, normalizeOrigin } from "./auth-settings.js";
import type { ClientAddress } from "./client-address.js";

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

/** The host a browser addressed: the proxy's X-Forwarded-Host when a trusted proxy sent it, else Host. */
function addressedHost(req: IncomingMessage, client: ClientAddress): string | undefined {
  const forwarded = req.headers["x-forwarded-host"];
  const fromProxy = client.viaTrustedProxy ? (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() : undefined;
  return (fromProxy || req.headers.host)?.toLowerCase();
}

/**
 * Whether a WebSocket upgrade may proceed, judged by its `Origin` (the original has no such
 * check, spec §12.8). Requests without Origin come from non-browser clients and pass; a
 * browser page passes when it is served by the gateway itself (same origin) or its origin is
 * in `gateway.controlUi.allowedOrigins`.
 */
export function originAllowed(req: IncomingMessage, settings: ResolvedAuthSettings, client: ClientAddress): boolean {
  const raw = req.headers.origin;
  if (raw === undefined) return true;
  if (settings.anyOrigin) return true;
  const origin = normalizeOrigin(raw);
  if (origin === undefined) return false; // "null" (sandboxed frames, file://) and garbage
  if (settings.origins.has(origin)) return true;
  const host = addressedHost(req, client);
  if (!host) return false;
  const url = new URL(origin);
  const defaultPort = DEFAULT_PORTS[url.protocol];
  return url.host === host || (defaultPort !== undefined && url.port === "" && `${url.hostname}:${defaultPort}` === host);
}
