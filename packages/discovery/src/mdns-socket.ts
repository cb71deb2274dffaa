import makeMdns from "multicast-dns";
import { MDNS_GROUP_V4, MDNS_PORT } from "./service-types.js";

export type MdnsSocket = makeMdns.MulticastDNS;

export interface MdnsSocketOptions {
  /**
   * IPv4 address of the one interface to use (join the group there, send from there). Unset:
   * join on every interface and send by the routing table, as mDNS responders usually do.
   */
  interface?: string | undefined;
  /** 5353 unless a test wants its own. */
  port?: number | undefined;
}

/**
 * A multicast DNS socket (IPv4). Bound to 0.0.0.0, not to the interface's address: on Linux a
 * socket bound to a unicast address never sees datagrams sent to the group. Several processes
 * on one host share the port (SO_REUSEADDR), each receiving every multicast datagram.
 */
export function openMdnsSocket(options: MdnsSocketOptions = {}): MdnsSocket {
  return makeMdns({
    port: options.port ?? MDNS_PORT,
    ip: MDNS_GROUP_V4,
    ...(options.interface ? { interface: options.interface } : {}),
    bind: "0.0.0.0",
    reuseAddr: true,
    loopback: true,
  });
}

/** Where multicast datagrams go. */
export function groupAddress(port: number = MDNS_PORT): { address: string; port: number } {
  return { address: MDNS_GROUP_V4, port };
}
