import type { GatewayBeacon } from "@clawdbot/discovery";
import { DEFAULT_GATEWAY_PORT } from "@clawdbot/protocol";
import { type Style, plain } from "./style.js";

// `clawdbot gateway discover` output, as the original renders beacons (subsystems §C.4).

/** The host a client should dial: MagicDNS name, else the LAN name, else the SRV target. */
export function pickBeaconHost(beacon: GatewayBeacon): string | null {
  const host = beacon.tailnetDns || beacon.lanHost || beacon.host;
  return host?.trim() ? host.trim() : null;
}

export function pickGatewayPort(beacon: GatewayBeacon): number {
  const port = beacon.gatewayPort ?? DEFAULT_GATEWAY_PORT;
  return port > 0 ? port : DEFAULT_GATEWAY_PORT;
}

/** `ws://host:port`, or `wss://` for a gateway that advertises TLS. */
export function beaconWsUrl(beacon: GatewayBeacon): string | null {
  const host = pickBeaconHost(beacon);
  if (!host) return null;
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${beacon.gatewayTls ? "wss" : "ws"}://${bracketed}:${pickGatewayPort(beacon)}`;
}

/** One gateway shows up once per interface and service type; keep the first of each. */
export function dedupeBeacons(beacons: readonly GatewayBeacon[]): GatewayBeacon[] {
  const seen = new Set<string>();
  return beacons.filter((b) => {
    const key = [b.domain ?? "", b.instanceName ?? "", b.displayName ?? "", pickBeaconHost(b) ?? "", String(b.port ?? ""), String(b.gatewayPort ?? "")].join("|");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function sortBeacons(beacons: GatewayBeacon[]): GatewayBeacon[] {
  return [...beacons].sort((a, b) => (a.displayName || a.instanceName).localeCompare(b.displayName || b.instanceName));
}

/** The `--json` document: `{timeoutMs, domains, count, beacons: [...beacon, wsUrl]}`. */
export function discoverJson(timeoutMs: number, domains: readonly string[], beacons: readonly GatewayBeacon[]): unknown {
  const enriched = beacons.map((b) => ({ ...b, wsUrl: beaconWsUrl(b) }));
  return { timeoutMs, domains, count: enriched.length, beacons: enriched };
}

export function discoverLines(domains: readonly string[], beacons: readonly GatewayBeacon[], style: Style = plain): string[] {
  const lines = [style.heading("Gateway Discovery"), style.muted(`Found ${beacons.length} gateway(s) · domains: ${domains.join(", ")}`)];
  for (const beacon of beacons) lines.push(...beaconLines(beacon, style));
  return lines;
}

export function beaconLines(beacon: GatewayBeacon, style: Style = plain): string[] {
  const name = (beacon.displayName || beacon.instanceName || "Gateway").trim();
  const domain = (beacon.domain || "local.").trim();
  const host = pickBeaconHost(beacon);
  const wsUrl = beaconWsUrl(beacon);
  const lines = [`- ${style.accent(name)} ${style.muted(domain)}`];
  if (beacon.tailnetDns) lines.push(`  ${style.info("tailnet")}: ${beacon.tailnetDns}`);
  if (beacon.lanHost) lines.push(`  ${style.info("lan")}: ${beacon.lanHost}`);
  if (beacon.host) lines.push(`  ${style.info("host")}: ${beacon.host}`);
  if (wsUrl) lines.push(`  ${style.muted("ws")}: ${style.command(wsUrl)}`);
  if (beacon.role) lines.push(`  ${style.muted("role")}: ${beacon.role}`);
  if (beacon.transport) lines.push(`  ${style.muted("transport")}: ${beacon.transport}`);
  if (beacon.gatewayTls) lines.push(`  ${style.muted("tls")}: ${beacon.gatewayTlsFingerprintSha256 ? `sha256 ${beacon.gatewayTlsFingerprintSha256}` : "enabled"}`);
  if (typeof beacon.sshPort === "number" && beacon.sshPort > 0 && host) {
    lines.push(`  ${style.muted("ssh")}: ${style.command(`ssh -N -L 18789:127.0.0.1:18789 <user>@${host} -p ${beacon.sshPort}`)}`);
  }
  return lines;
}
