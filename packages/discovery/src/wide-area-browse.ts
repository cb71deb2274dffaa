import type { Answer } from "dns-packet";
import type { GatewayBeacon } from "./beacon.js";
import { RecordCache } from "./browser.js";
import { type DnsServer, dnsQuery } from "./dns-client.js";
import type { DiscoveryLog } from "./log.js";
import { GATEWAY_SERVICE_TYPES, stripDot, withDot } from "./service-types.js";

export interface WideAreaBrowseOptions {
  /** e.g. `clawdbot.internal.` */
  domain: string;
  /** Asked in order until one knows the domain. */
  servers: readonly DnsServer[];
  /** The whole browse's budget. */
  timeoutMs: number;
  serviceTypes?: readonly string[];
  log?: DiscoveryLog;
}

/** A candidate nameserver gets this long to answer (the original's `dig` budget). */
const PROBE_TIMEOUT_MS = 250;
const PROBE_CONCURRENCY = 6;

/**
 * Unicast DNS-SD over a wide-area domain (the zone a gateway writes for its tailnet): PTR for
 * each service type, then SRV and TXT per instance, straight over UDP without `dig`.
 */
export async function browseWideArea(options: WideAreaBrowseOptions): Promise<{ beacons: GatewayBeacon[]; server?: DnsServer }> {
  const deadline = Date.now() + options.timeoutMs;
  const types = options.serviceTypes ?? GATEWAY_SERVICE_TYPES;
  const domain = stripDot(options.domain);
  // Each server gets its share of the budget, so a silent first one leaves time for the next.
  const share = Math.max(300, Math.floor(options.timeoutMs / Math.max(1, options.servers.length)));
  for (const server of options.servers) {
    const serverDeadline = Math.min(deadline, Date.now() + share);
    const remaining = () => Math.max(1, serverDeadline - Date.now());
    if (deadline - Date.now() <= 0) break;
    const cache = new RecordCache(types, domain);
    try {
      const ptrs = await Promise.all(types.map((type) => dnsQuery(server, { name: `${type}.${domain}`, type: "PTR" }, remaining())));
      const missing = cache.add(ptrs.flatMap(records));
      const details = await Promise.all(
        missing.flatMap((name) => [dnsQuery(server, { name, type: "SRV" }, remaining()), dnsQuery(server, { name, type: "TXT" }, remaining())]),
      );
      cache.add(details.flatMap(records));
      const beacons = cache.beacons(withDot(domain));
      if (beacons.length > 0) return { beacons, server };
    } catch (err) {
      options.log?.debug({ err, server }, "wide-area browse: server did not answer");
    }
  }
  return { beacons: [] };
}

/**
 * Finds a nameserver for the domain among candidate addresses (tailnet peers), six at a time,
 * 250 ms each: the first that answers the primary type's PTR with something wins.
 */
export async function findWideAreaServer(domain: string, candidates: readonly string[], options: { serviceType?: string; port?: number } = {}): Promise<DnsServer | undefined> {
  const name = `${options.serviceType ?? GATEWAY_SERVICE_TYPES[0]}.${stripDot(domain)}`;
  for (let i = 0; i < candidates.length; i += PROBE_CONCURRENCY) {
    const batch = candidates.slice(i, i + PROBE_CONCURRENCY).map((host): DnsServer => ({ host, port: options.port ?? 53 }));
    const found = await Promise.all(
      batch.map(async (server) => {
        try {
          const packet = await dnsQuery(server, { name, type: "PTR" }, PROBE_TIMEOUT_MS);
          return (packet.answers ?? []).some((a) => a.type === "PTR") ? server : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    const server = found.find((s) => s !== undefined);
    if (server) return server;
  }
  return undefined;
}

function records(packet: { answers?: Answer[]; additionals?: Answer[] }): Answer[] {
  return [...(packet.answers ?? []), ...(packet.additionals ?? [])];
}
