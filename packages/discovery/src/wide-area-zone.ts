import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { dnsLabel } from "./names.js";
import { DEFAULT_WIDE_AREA_DOMAIN, GATEWAY_SERVICE_TYPES, stripDot, withDot } from "./service-types.js";

// The wide-area DNS-SD zone (subsystems §C.2): a BIND zone file a DNS server on the tailnet
// (CoreDNS in the original's `dns setup`) serves, so clients off the LAN browse the gateway like
// a Bonjour one. Rewritten only when its content changes; the serial counts up within a day.

export interface WideAreaZoneOptions {
  domain?: string;
  gatewayPort: number;
  displayName: string;
  tailnetIPv4: string;
  tailnetIPv6?: string | undefined;
  tls?: { fingerprintSha256?: string | undefined } | undefined;
  tailnetDns?: string | undefined;
  sshPort?: number | undefined;
  cliPath?: string | undefined;
  /** Defaults to the hostname's first label. */
  hostLabel?: string;
  /** Defaults to `<hostname>-gateway`. */
  instanceLabel?: string;
  serviceTypes?: readonly string[];
}

const HASH_LINE = /^\s*;\s*clawdbot-content-hash:\s*(\S+)\s*$/m;
const SERIAL_LINE = /^\s*@\s+IN\s+SOA\s+\S+\s+\S+\s+(\d+)\s+/m;

/** `<stateDir>/dns/<domain>.db`. */
export function wideAreaZonePath(stateDir: string, domain: string = DEFAULT_WIDE_AREA_DOMAIN): string {
  return join(stateDir, "dns", `${stripDot(domain)}.db`);
}

/** The zone text for `serial`. The first line carries a hash of everything but the serial. */
export function renderWideAreaZone(options: WideAreaZoneOptions & { serial: number }): string {
  const host = hostname().split(".")[0] ?? "clawdbot";
  const hostLabel = dnsLabel(options.hostLabel ?? host, "clawdbot");
  const instanceLabel = dnsLabel(options.instanceLabel ?? `${host}-gateway`, "clawdbot-gw");
  const domain = withDot(options.domain ?? DEFAULT_WIDE_AREA_DOMAIN);

  // Unlike mDNS, the original puts cliPath here in every mode: the zone is only served on the tailnet.
  const txt = [`displayName=${options.displayName.trim() || host}`, "role=gateway", "transport=gateway", `gatewayPort=${options.gatewayPort}`];
  if (options.tls) {
    txt.push("gatewayTls=1");
    if (options.tls.fingerprintSha256) txt.push(`gatewayTlsSha256=${options.tls.fingerprintSha256}`);
  }
  if (options.tailnetDns?.trim()) txt.push(`tailnetDns=${options.tailnetDns.trim()}`);
  if (options.sshPort !== undefined && options.sshPort > 0) txt.push(`sshPort=${options.sshPort}`);
  if (options.cliPath?.trim()) txt.push(`cliPath=${options.cliPath.trim()}`);

  const soa = (serial: string) => `@ IN SOA ns1 hostmaster ${serial} 7200 3600 1209600 60`;
  const records = [`$ORIGIN ${domain}`, "$TTL 60", soa(String(options.serial)), "@ IN NS ns1", `ns1 IN A ${options.tailnetIPv4}`, `${hostLabel} IN A ${options.tailnetIPv4}`];
  if (options.tailnetIPv6) records.push(`${hostLabel} IN AAAA ${options.tailnetIPv6}`);
  for (const type of options.serviceTypes ?? GATEWAY_SERVICE_TYPES) {
    records.push(`${type} IN PTR ${instanceLabel}.${type}`);
    records.push(`${instanceLabel}.${type} IN SRV 0 0 ${options.gatewayPort} ${hostLabel}`);
    records.push(`${instanceLabel}.${type} IN TXT ${txt.map(quote).join(" ")}`);
  }
  const body = `${records.join("\n")}\n`;
  const hash = fnv1a(body.replace(soa(String(options.serial)), soa("SERIAL")));
  return `; clawdbot-content-hash: ${hash}\n${body}`;
}

/**
 * Writes the zone when its content differs from what is on disk (atomically: a DNS server
 * reloading the file never sees half of it). The serial is `YYYYMMDD01`, counting up within a day.
 */
export async function writeWideAreaZone(stateDir: string, options: WideAreaZoneOptions, now: Date = new Date()): Promise<{ zonePath: string; changed: boolean }> {
  const zonePath = wideAreaZonePath(stateDir, options.domain);
  const existing = await readFile(zonePath, "utf8").catch(() => undefined);
  const next = renderWideAreaZone({ ...options, serial: 0 });
  if (existing !== undefined && HASH_LINE.exec(existing)?.[1] === HASH_LINE.exec(next)?.[1]) return { zonePath, changed: false };
  const serial = nextSerial(existing ? Number(SERIAL_LINE.exec(existing)?.[1]) : undefined, now);
  await mkdir(dirname(zonePath), { recursive: true });
  const tmp = `${zonePath}.${process.pid}.tmp`;
  await writeFile(tmp, renderWideAreaZone({ ...options, serial }), "utf8");
  await rename(tmp, zonePath);
  return { zonePath, changed: true };
}

export function nextSerial(existing: number | undefined, now: Date): number {
  const day = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}${String(now.getUTCDate()).padStart(2, "0")}`;
  const base = Number(`${day}01`);
  if (existing === undefined || !Number.isFinite(existing)) return base;
  return String(existing).startsWith(day) ? existing + 1 : base;
}

function quote(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
}

/** FNV-1a, 32 bit: a stable change detector, not a security measure. */
function fnv1a(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
