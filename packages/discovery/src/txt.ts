import type { TxtData } from "dns-packet";

/** `discovery.mdns.mode`: nothing, the TXT keys every client needs, or those plus cliPath/sshPort. */
export type MdnsMode = "off" | "minimal" | "full";
export const MDNS_MODES: readonly MdnsMode[] = ["off", "minimal", "full"];

/** What a gateway tells about itself. Only these fields exist, so no secret can reach the record. */
export interface GatewayTxtInput {
  gatewayPort: number;
  /** `<host>.local`. */
  lanHost: string;
  displayName: string;
  /** Present when the gateway serves TLS; the fingerprint is the certificate's SHA-256. */
  tls?: { fingerprintSha256?: string | undefined } | undefined;
  /** MagicDNS name (or tailnet address) when Tailscale is in use. */
  tailnetDns?: string | undefined;
  /** `full` mode only: where the CLI lives on the gateway host (for ssh-based clients). */
  cliPath?: string | undefined;
  /** `full` mode only; 22 when not given. */
  sshPort?: number | undefined;
}

/**
 * The TXT record of a gateway (subsystems §C.1): string values, in the original's key order.
 * `minimal` leaves out cliPath and sshPort, which map the host for an attacker on the LAN.
 */
export function buildGatewayTxt(input: GatewayTxtInput, mode: Exclude<MdnsMode, "off">): Record<string, string> {
  const txt: Record<string, string> = {
    role: "gateway",
    transport: "gateway",
    gatewayPort: String(input.gatewayPort),
    lanHost: input.lanHost,
    displayName: input.displayName,
  };
  if (input.tls) {
    txt.gatewayTls = "1";
    if (input.tls.fingerprintSha256) txt.gatewayTlsSha256 = input.tls.fingerprintSha256;
  }
  const tailnetDns = input.tailnetDns?.trim();
  if (tailnetDns) txt.tailnetDns = tailnetDns;
  if (mode === "full") {
    const cliPath = input.cliPath?.trim();
    if (cliPath) txt.cliPath = cliPath;
    txt.sshPort = String(input.sshPort ?? 22);
  }
  return txt;
}

/** One TXT string holds at most 255 bytes (RFC 6763 §6.1). */
const MAX_TXT_STRING = 255;

/**
 * `key=value` strings for the wire. An entry too long for one TXT string cannot be sent; it is
 * left out and reported rather than cut, since a cut path or name would mislead.
 */
export function encodeTxt(txt: Record<string, string>): { data: string[]; dropped: string[] } {
  const data: string[] = [];
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(txt)) {
    const entry = `${key}=${value}`;
    if (Buffer.byteLength(entry) > MAX_TXT_STRING) dropped.push(key);
    else data.push(entry);
  }
  return { data, dropped };
}

/** Parses TXT data as received; the first occurrence of a key wins (RFC 6763 §6.4). */
export function decodeTxt(data: TxtData | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (data === undefined) return out;
  const items = Array.isArray(data) ? data : [data];
  for (const item of items) {
    const text = typeof item === "string" ? item : item.toString("utf8");
    if (!text) continue;
    const eq = text.indexOf("=");
    const key = eq === -1 ? text : text.slice(0, eq);
    if (!key || Object.hasOwn(out, key)) continue;
    out[key] = eq === -1 ? "" : text.slice(eq + 1);
  }
  return out;
}

/** Throws when a TXT value carries one of `secrets`: a misconfiguration must never reach the LAN. */
export function assertNoSecrets(txt: Record<string, string>, secrets: readonly (string | undefined)[]): void {
  for (const secret of secrets) {
    if (!secret) continue;
    for (const [key, value] of Object.entries(txt)) {
      if (value.includes(secret)) throw new Error(`refusing to advertise: TXT key ${key} contains a gateway secret`);
    }
  }
}
