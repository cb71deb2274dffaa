// The names a gateway is found under. The project was renamed twice; clients of each generation
// browse their own service type, so a gateway answers to all of them (subsystems §C.1).

/** DNS-SD service types, the first one ours, then the later generations' (moltbot, openclaw). */
export const GATEWAY_SERVICE_TYPES = ["_clawdbot-gw._tcp", "_moltbot-gw._tcp", "_openclaw-gw._tcp"] as const;

/** The multicast DNS domain. */
export const LOCAL_DOMAIN = "local.";

/** The unicast DNS-SD domain the wide-area zone is written for (before the rename: `clawdbot.internal.`). */
export const DEFAULT_WIDE_AREA_DOMAIN = "clawdbot.internal.";

/** mDNS port and IPv4 group (RFC 6762). */
export const MDNS_PORT = 5353;
export const MDNS_GROUP_V4 = "224.0.0.251";

/** Name of the DNS-SD service type enumeration (RFC 6763 §9). */
export const SERVICE_ENUMERATION = "_services._dns-sd._udp.local";

/** `example.` → `example`; names are compared and built without the root dot. */
export function stripDot(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

/** `example` → `example.`; domains are shown with the root dot, as the original does. */
export function withDot(name: string): string {
  return name.endsWith(".") ? name : `${name}.`;
}
