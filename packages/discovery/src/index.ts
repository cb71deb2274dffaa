export { hostAddresses, isTailnetIPv4, tailnetAddresses } from "./addresses.js";
export type { HostAddresses, InterfaceSource, InterfaceTable } from "./addresses.js";
export { GatewayAdvertiser } from "./advertiser.js";
export type { GatewayAdvertiserOptions } from "./advertiser.js";
export { beaconFrom } from "./beacon.js";
export type { GatewayBeacon } from "./beacon.js";
export { RecordCache, browseMdns } from "./browser.js";
export type { MdnsBrowseOptions } from "./browser.js";
export { discoverGatewayBeacons } from "./discover.js";
export type { DiscoverOptions } from "./discover.js";
export { dnsQuery, parseDnsServer } from "./dns-client.js";
export type { DnsServer } from "./dns-client.js";
export type { DiscoveryLog } from "./log.js";
export { openMdnsSocket } from "./mdns-socket.js";
export type { MdnsSocket, MdnsSocketOptions } from "./mdns-socket.js";
export { displayNameOf, dnsLabel, formatInstanceName, hostLabel, machineDisplayName } from "./names.js";
export { ServiceRecords } from "./records.js";
export { DEFAULT_WIDE_AREA_DOMAIN, GATEWAY_SERVICE_TYPES, LOCAL_DOMAIN, MDNS_PORT } from "./service-types.js";
export {
  TAILSCALE_MODES, TailscaleCommandError, TailscaleConfigError, checkTailscaleExposure, enableTailscaleExposure, findTailscaleBinary,
  readTailscaleStatus, resetTailscaleExposure, tailnetDnsOf,
} from "./tailscale.js";
export type { TailscaleMode, TailscaleStatus } from "./tailscale.js";
export { MDNS_MODES, assertNoSecrets, buildGatewayTxt, decodeTxt, encodeTxt } from "./txt.js";
export type { GatewayTxtInput, MdnsMode } from "./txt.js";
export { browseWideArea, findWideAreaServer } from "./wide-area-browse.js";
export { nextSerial, renderWideAreaZone, wideAreaZonePath, writeWideAreaZone } from "./wide-area-zone.js";
export type { WideAreaZoneOptions } from "./wide-area-zone.js";
