import type { SrvData } from "dns-packet";
import { stripDot } from "./service-types.js";

/**
 * A gateway found by browsing, in the original's shape (subsystems §C.4): the TXT keys lifted
 * into typed fields, the raw TXT kept beside them.
 */
export interface GatewayBeacon {
  instanceName: string;
  domain: string;
  displayName?: string;
  /** The SRV target, e.g. `studio.local`. */
  host?: string;
  /** The SRV port. */
  port?: number;
  lanHost?: string;
  tailnetDns?: string;
  gatewayPort?: number;
  sshPort?: number;
  gatewayTls?: boolean;
  gatewayTlsFingerprintSha256?: string;
  cliPath?: string;
  role?: string;
  transport?: string;
  txt: Record<string, string>;
}

export interface BeaconParts {
  instanceName: string;
  domain: string;
  srv?: SrvData | undefined;
  txt: Record<string, string>;
}

export function beaconFrom(parts: BeaconParts): GatewayBeacon {
  const { txt } = parts;
  const beacon: GatewayBeacon = { instanceName: parts.instanceName, domain: parts.domain, txt };
  const text = (key: string) => {
    const value = txt[key]?.trim();
    return value ? value : undefined;
  };
  const set = <K extends keyof GatewayBeacon>(key: K, value: GatewayBeacon[K] | undefined) => {
    if (value !== undefined) beacon[key] = value;
  };
  set("displayName", text("displayName"));
  if (parts.srv) {
    beacon.host = stripDot(parts.srv.target);
    beacon.port = parts.srv.port;
  }
  set("lanHost", text("lanHost"));
  set("tailnetDns", text("tailnetDns"));
  set("gatewayPort", port(text("gatewayPort")));
  set("sshPort", port(text("sshPort")));
  const tls = text("gatewayTls");
  if (tls !== undefined) beacon.gatewayTls = tls === "1" || tls.toLowerCase() === "true";
  set("gatewayTlsFingerprintSha256", text("gatewayTlsSha256"));
  set("cliPath", text("cliPath"));
  set("role", text("role"));
  set("transport", text("transport"));
  // Key order as the original prints it, txt last.
  const { txt: raw, ...rest } = beacon;
  return { ...rest, txt: raw };
}

function port(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && n <= 65_535 ? n : undefined;
}
