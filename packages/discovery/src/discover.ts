import type { GatewayBeacon } from "./beacon.js";
import { browseMdns } from "./browser.js";
import type { DnsServer } from "./dns-client.js";
import type { DiscoveryLog } from "./log.js";
import type { MdnsSocketOptions } from "./mdns-socket.js";
import { isTailnetIPv4 } from "./addresses.js";
import { readTailscaleStatus } from "./tailscale.js";
import { browseWideArea, findWideAreaServer } from "./wide-area-browse.js";

export interface DiscoverOptions {
  timeoutMs: number;
  socket?: MdnsSocketOptions;
  /** Also browse a unicast DNS-SD domain (the tailnet zone a gateway writes). */
  wideArea?: {
    domain: string;
    /** Nameservers to ask first (e.g. the system's). */
    servers?: readonly DnsServer[];
    /** When those know nothing: ask the tailnet's nodes, found through this `tailscale` binary. */
    tailscaleBinary?: string | undefined;
  };
  log?: DiscoveryLog;
}

/** At most this many tailnet nodes are asked whether they serve the zone (the original's limit). */
const MAX_TAILNET_CANDIDATES = 40;

/**
 * Every gateway answering on `local.` (mDNS) and, if asked, on the wide-area domain, within
 * `timeoutMs`. Not deduplicated: one gateway shows once per service type it was found under
 * only when the browsers saw it so; callers dedupe as the CLI does.
 */
export async function discoverGatewayBeacons(options: DiscoverOptions): Promise<GatewayBeacon[]> {
  const [local, wide] = await Promise.all([
    browseMdns({ timeoutMs: options.timeoutMs, ...(options.socket ? { socket: options.socket } : {}), ...(options.log ? { log: options.log } : {}) }),
    options.wideArea ? browseWideAreaDomain(options.wideArea, options.timeoutMs, options.log) : Promise.resolve([]),
  ]);
  return [...local, ...wide];
}

async function browseWideAreaDomain(wideArea: NonNullable<DiscoverOptions["wideArea"]>, timeoutMs: number, log: DiscoveryLog | undefined): Promise<GatewayBeacon[]> {
  const deadline = Date.now() + timeoutMs;
  const base = { domain: wideArea.domain, ...(log ? { log } : {}) };
  const direct = await browseWideArea({ ...base, servers: wideArea.servers ?? [], timeoutMs });
  if (direct.beacons.length > 0 || !wideArea.tailscaleBinary) return direct.beacons;
  const left = deadline - Date.now();
  if (left <= 0) return [];
  try {
    const status = await readTailscaleStatus(wideArea.tailscaleBinary, { timeoutMs: Math.min(left, 1_500) });
    const candidates = [...status.ips, ...status.peerIps].filter(isTailnetIPv4).slice(0, MAX_TAILNET_CANDIDATES);
    const server = await findWideAreaServer(wideArea.domain, candidates);
    if (!server) return [];
    return (await browseWideArea({ ...base, servers: [server], timeoutMs: Math.max(1, deadline - Date.now()) })).beacons;
  } catch (err) {
    log?.debug({ err }, "wide-area browse: tailnet fallback failed");
    return [];
  }
}
