import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { type ResolvedAuthSettings, normalizeIp } from "./auth-settings.js";

/** Where a connection comes from, as far as the edge can tell (spec §4.2). */
export interface ClientAddress {
  /** The client's IP: the socket peer, or what a trusted proxy forwarded. */
  ip: string;
  /** "Local direct": loopback client, local Host, and no forwarding headers from an untrusted peer. */
  local: boolean;
  /** The socket peer is a trusted proxy. */
  viaTrustedProxy: boolean;
}

const LOCAL_HOSTNAMES = new Set(["localhost", "127.0.0.1", "::1"]);

export function isLoopbackIp(ip: string): boolean {
  const address = normalizeIp(ip);
  return address === "::1" || (isIP(address) === 4 && address.startsWith("127."));
}

function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/** The hostname of a Host header value: `[::1]:80` → `::1`, `Example.com:443` → `example.com`. */
export function hostnameOf(host: string | undefined): string {
  if (!host) return "";
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]") > 0 ? value.indexOf("]") : undefined);
  const colons = value.split(":").length - 1;
  return colons === 1 ? value.slice(0, value.indexOf(":")) : value;
}

/**
 * The client's address behind any trusted proxies. X-Forwarded-For is read from the right,
 * skipping trusted proxies, so a client cannot pose as local by sending its own header through
 * a proxy that appends (the original takes the first entry). Without X-Forwarded-For,
 * X-Real-IP counts. Headers from an untrusted peer are ignored.
 */
function forwardedClientIp(req: IncomingMessage, settings: ResolvedAuthSettings): string | undefined {
  const chain = headerValues(req, "x-forwarded-for").map(normalizeIp).filter((ip) => isIP(ip) !== 0);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!settings.isTrustedProxy(chain[i]!)) return chain[i];
  }
  if (chain.length > 0) return chain[0];
  const realIp = headerValues(req, "x-real-ip").map(normalizeIp)[0];
  return realIp && isIP(realIp) !== 0 ? realIp : undefined;
}

/** Decides a connection's client IP and whether it is local-direct (spec §4.2). */
export function resolveClientAddress(req: IncomingMessage, settings: ResolvedAuthSettings): ClientAddress {
  const peer = normalizeIp(req.socket.remoteAddress ?? "");
  const viaTrustedProxy = peer !== "" && settings.isTrustedProxy(peer);
  const ip = (viaTrustedProxy ? forwardedClientIp(req, settings) : undefined) ?? peer;
  const forwarded = req.headers["x-forwarded-for"] !== undefined || req.headers["x-real-ip"] !== undefined || req.headers["x-forwarded-host"] !== undefined;
  const hostname = hostnameOf(req.headers.host);
  const localHost = LOCAL_HOSTNAMES.has(hostname) || hostname.endsWith(".ts.net");
  const local = isLoopbackIp(ip) && localHost && (!forwarded || viaTrustedProxy);
  return { ip, local, viaTrustedProxy };
}
