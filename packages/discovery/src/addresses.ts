import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;
export type InterfaceSource = () => InterfaceTable;

export interface HostAddresses {
  v4: string[];
  v6: string[];
}

/**
 * The addresses a gateway's host name resolves to over mDNS. With a pinned interface only that
 * interface's (the only link the records travel on); otherwise every external address, or
 * loopback when there is nothing else. IPv6 link-local addresses are useless without a scope.
 */
export function hostAddresses(source: InterfaceSource = networkInterfaces, pinned?: string): HostAddresses {
  if (pinned) {
    const iface = Object.values(source()).find((infos) => infos?.some((i) => i.address === pinned)) ?? [];
    const v6 = iface.filter((i) => i.family === "IPv6" && !isLinkLocal(i.address)).map((i) => i.address);
    return { v4: [pinned], v6: [...new Set(v6)].sort() };
  }
  const v4: string[] = [];
  const v6: string[] = [];
  const internal: HostAddresses = { v4: [], v6: [] };
  for (const infos of Object.values(source())) {
    for (const info of infos ?? []) {
      const family = info.family;
      if (info.internal) {
        (family === "IPv4" ? internal.v4 : internal.v6).push(info.address);
      } else if (family === "IPv4") {
        v4.push(info.address);
      } else if (!isLinkLocal(info.address)) {
        v6.push(info.address);
      }
    }
  }
  if (v4.length === 0 && v6.length === 0) return { v4: internal.v4, v6: [] };
  return { v4: [...new Set(v4)].sort(), v6: [...new Set(v6)].sort() };
}

const isLinkLocal = (address: string) => address.toLowerCase().startsWith("fe80:");

/** The first local tailnet IPv4 (100.64.0.0/10) and IPv6 (fd7a:115c:a1e0::/48), if any. */
export function tailnetAddresses(source: InterfaceSource = networkInterfaces): { v4?: string; v6?: string } {
  const out: { v4?: string; v6?: string } = {};
  for (const infos of Object.values(source())) {
    for (const info of infos ?? []) {
      if (info.family === "IPv4" && !out.v4 && isTailnetIPv4(info.address)) out.v4 = info.address;
      if (info.family === "IPv6" && !out.v6 && info.address.toLowerCase().startsWith("fd7a:115c:a1e0:")) out.v6 = info.address;
    }
  }
  return out;
}

/** 100.64.0.0/10, Tailscale's CGNAT range. */
export function isTailnetIPv4(address: string): boolean {
  const parts = address.split(".").map(Number);
  return parts.length === 4 && parts[0] === 100 && parts[1]! >= 64 && parts[1]! <= 127;
}
