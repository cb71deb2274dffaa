import { BlockList, isIP } from "node:net";
import * as z from "zod";

/**
 * The edge's auth-related settings (spec §4.1, §4.2, §4.4): the shared secret, the proxies whose
 * forwarding headers are believed, and which browser origins may open a socket. They are read
 * once per connection, so a change applies to the next connection without a restart.
 */
export const AuthSettings = z
  .object({
    /** `gateway.auth.mode`: token mode checks only `auth.token`, password mode only `auth.password`. */
    mode: z.enum(["token", "password"]),
    token: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** `gateway.trustedProxies`: addresses or CIDR ranges whose X-Forwarded-For / X-Real-IP count. */
    trustedProxies: z.array(z.string().min(1)).default([]),
    /** `gateway.controlUi.allowedOrigins`: browser origins allowed besides the gateway's own; `*` allows any. */
    allowedOrigins: z.array(z.string().min(1)).default([]),
    /** `gateway.controlUi.allowInsecureAuth`: the Control UI may connect without a device. */
    controlUiAllowInsecureAuth: z.boolean().default(false),
    /** `gateway.controlUi.dangerouslyDisableDeviceAuth`: any device the Control UI sends is ignored. */
    controlUiDisableDeviceAuth: z.boolean().default(false),
  })
  .superRefine((settings, ctx) => {
    if (settings.mode === "token" && !settings.token) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "gateway auth token not configured (set gateway.auth.token)" });
    }
    if (settings.mode === "password" && !settings.password) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "gateway auth password not configured (set gateway.auth.password)" });
    }
    for (const issue of authListIssues(settings)) ctx.addIssue({ code: "custom", ...issue });
  });
export type AuthSettings = z.output<typeof AuthSettings>;
export type AuthSettingsInput = z.input<typeof AuthSettings>;

/**
 * Entries of the two lists that are not what they should be. Checked on their own too, for a
 * layer (the edge's environment) that sets lists but not necessarily a secret.
 */
export function authListIssues(lists: { trustedProxies?: readonly string[]; allowedOrigins?: readonly string[] }): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  (lists.trustedProxies ?? []).forEach((entry, i) => {
    if (!parseProxyEntry(entry)) issues.push({ path: ["trustedProxies", i], message: `not an IP address or CIDR range: ${entry}` });
  });
  (lists.allowedOrigins ?? []).forEach((entry, i) => {
    if (entry !== "*" && normalizeOrigin(entry) === undefined) issues.push({ path: ["allowedOrigins", i], message: `not an origin (scheme://host[:port]): ${entry}` });
  });
  return issues;
}

/** The settings with their lists compiled for the per-connection checks. */
export interface ResolvedAuthSettings extends AuthSettings {
  isTrustedProxy: (ip: string) => boolean;
  /** Normalised allowed origins; `anyOrigin` when the list holds `*`. */
  origins: ReadonlySet<string>;
  anyOrigin: boolean;
}

export class AuthSettingsError extends Error {
  override readonly name = "AuthSettingsError";
}

/** Strips the IPv4-mapped IPv6 form (`::ffff:10.0.0.1`) that dual-stack sockets report. */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return (mapped ? mapped[1]! : trimmed).toLowerCase();
}

function parseProxyEntry(entry: string): { address: string; prefix?: number; family: "ipv4" | "ipv6" } | undefined {
  const [rawAddress, rawPrefix, ...rest] = entry.trim().split("/");
  if (rest.length > 0 || !rawAddress) return undefined;
  const address = normalizeIp(rawAddress);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? "ipv4" : "ipv6";
  if (rawPrefix === undefined) return { address, family };
  const prefix = Number(rawPrefix);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family };
}

/** `scheme://host[:port]` in lower case, the form browsers send in `Origin`; undefined if it is not one. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.origin === "null") return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

function compile(settings: AuthSettings): ResolvedAuthSettings {
  const proxies = new BlockList();
  for (const entry of settings.trustedProxies) {
    const parsed = parseProxyEntry(entry)!;
    if (parsed.prefix === undefined) proxies.addAddress(parsed.address, parsed.family);
    else proxies.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  const hasProxies = settings.trustedProxies.length > 0;
  const origins = new Set(settings.allowedOrigins.filter((o) => o !== "*").map((o) => normalizeOrigin(o)!));
  return Object.freeze({
    ...settings,
    isTrustedProxy: (ip: string) => {
      if (!hasProxies) return false;
      const address = normalizeIp(ip);
      const version = isIP(address);
      return version !== 0 && proxies.check(address, version === 4 ? "ipv4" : "ipv6");
    },
    origins,
    anyOrigin: settings.allowedOrigins.includes("*"),
  });
}

/** Validates settings, or throws AuthSettingsError naming every problem. */
export function parseAuthSettings(input: AuthSettingsInput): AuthSettings {
  const parsed = AuthSettings.safeParse(input);
  if (!parsed.success) {
    throw new AuthSettingsError(parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; "));
  }
  return parsed.data;
}

export function resolveAuthSettings(input: AuthSettingsInput): ResolvedAuthSettings {
  return compile(parseAuthSettings(input));
}

/**
 * One live copy of the auth settings. Connections call `current()` when they start; `update`
 * swaps in new settings for every later connection (hot reload), and refuses invalid ones,
 * keeping the previous settings.
 */
export class AuthSettingsHolder {
  #current: ResolvedAuthSettings;

  constructor(initial: AuthSettingsInput) {
    this.#current = resolveAuthSettings(initial);
  }

  current(): ResolvedAuthSettings {
    return this.#current;
  }

  update(next: AuthSettingsInput): ResolvedAuthSettings {
    this.#current = resolveAuthSettings(next);
    return this.#current;
  }
}
