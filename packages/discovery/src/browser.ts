import type { Answer, Question, SrvData } from "dns-packet";
import { type GatewayBeacon, beaconFrom } from "./beacon.js";
import type { DiscoveryLog } from "./log.js";
import { type MdnsSocket, type MdnsSocketOptions, groupAddress, openMdnsSocket } from "./mdns-socket.js";
import { GATEWAY_SERVICE_TYPES, LOCAL_DOMAIN, MDNS_PORT, stripDot } from "./service-types.js";
import { ttlOf } from "./records.js";
import { decodeTxt } from "./txt.js";

export interface MdnsBrowseOptions {
  /** How long to listen for answers. */
  timeoutMs: number;
  serviceTypes?: readonly string[];
  socket?: MdnsSocketOptions;
  log?: DiscoveryLog;
}

/** Asks again after this long, for responders that missed the first query. */
const REQUERY_MS = 1_000;

/**
 * Browses `local.` for gateways with multicast DNS queries, in-process on any OS. Listens on
 * the mDNS port (shared with responders on the host); where that port cannot be had, asks from
 * an ephemeral port instead, and responders answer it directly (RFC 6762 §6.7).
 */
export async function browseMdns(options: MdnsBrowseOptions): Promise<GatewayBeacon[]> {
  const types = options.serviceTypes ?? GATEWAY_SERVICE_TYPES;
  const destination = groupAddress(options.socket?.port ?? MDNS_PORT);
  const cache = new RecordCache(types);
  const first = await listen(openMdnsSocket(options.socket));
  const socket = first.ok ? first.socket : (await listen(openMdnsSocket({ ...options.socket, port: 0 }))).socket;
  if (!first.ok) options.log?.debug({ err: first.error }, "mdns browse: port in use; asking from an ephemeral port");

  const asked = new Set<string>();
  const query = (questions: Question[]) =>
    socket.query({ questions }, destination, (err) => {
      if (err) options.log?.debug({ err }, "mdns browse: query not sent");
    });
  socket.on("response", (packet) => {
    const pending = cache.add([...packet.answers, ...packet.additionals]);
    const followUps = pending.filter((name) => !asked.has(name));
    for (const name of followUps) asked.add(name);
    if (followUps.length > 0) query(followUps.flatMap((name): Question[] => [{ name, type: "SRV" }, { name, type: "TXT" }]));
  });
  const browse = () => query(types.map((type): Question => ({ name: `${type}.local`, type: "PTR" })));

  browse();
  const requery = options.timeoutMs > REQUERY_MS * 1.5 ? setTimeout(browse, REQUERY_MS) : undefined;
  await new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs));
  clearTimeout(requery);
  await new Promise<void>((resolve) => socket.destroy(() => resolve()));
  return cache.beacons(LOCAL_DOMAIN);
}

function listen(socket: MdnsSocket): Promise<{ ok: true; socket: MdnsSocket } | { ok: false; socket: MdnsSocket; error: Error }> {
  return new Promise((resolve) => {
    const onError = (error: Error) => {
      socket.destroy();
      resolve({ ok: false, socket, error });
    };
    socket.once("error", onError);
    socket.once("ready", () => {
      socket.removeListener("error", onError);
      socket.on("error", () => undefined);
      socket.on("warning", () => undefined);
      resolve({ ok: true, socket });
    });
  });
}

/**
 * What browsing has heard: instances (PTR), their SRV and TXT. Goodbyes (TTL 0) remove. Used
 * for mDNS and for unicast DNS-SD answers alike.
 */
export class RecordCache {
  readonly #types: { type: string; suffix: string }[];
  readonly #instances = new Map<string, { fqdn: string; type: string }>();
  readonly #srv = new Map<string, SrvData>();
  readonly #txt = new Map<string, Record<string, string>>();
  readonly #domain: string;

  constructor(types: readonly string[], domain: string = LOCAL_DOMAIN) {
    this.#domain = stripDot(domain).toLowerCase();
    this.#types = types.map((type) => ({ type, suffix: `.${type}.${this.#domain}`.toLowerCase() }));
  }

  /** Takes records in; returns instance names still missing SRV or TXT, to ask for. */
  add(records: readonly Answer[]): string[] {
    for (const record of records) {
      const name = stripDot(record.name);
      const key = name.toLowerCase();
      const gone = ttlOf(record) === 0;
      if (record.type === "PTR") {
        const type = this.#types.find((t) => key === t.suffix.slice(1));
        if (!type) continue;
        const fqdn = stripDot(record.data);
        if (gone) this.#forget(fqdn.toLowerCase());
        else this.#instances.set(fqdn.toLowerCase(), { fqdn, type: type.type });
      } else if (record.type === "SRV" && this.#typeOf(key)) {
        if (gone) this.#forget(key);
        else this.#srv.set(key, record.data);
      } else if (record.type === "TXT" && this.#typeOf(key)) {
        if (gone) this.#txt.delete(key);
        else this.#txt.set(key, decodeTxt(record.data));
      }
    }
    return [...this.#instances.entries()].filter(([key]) => !this.#srv.has(key) || !this.#txt.has(key)).map(([, i]) => i.fqdn);
  }

  /** One beacon per instance that has an SRV record, primary service type first. */
  beacons(domain: string): GatewayBeacon[] {
    const out: GatewayBeacon[] = [];
    const keys = new Set([...this.#instances.keys(), ...this.#srv.keys()]);
    const order = (key: string) => this.#types.findIndex((t) => key.endsWith(t.suffix));
    for (const key of [...keys].sort((a, b) => order(a) - order(b))) {
      const srv = this.#srv.get(key);
      const type = this.#typeOf(key);
      if (!srv || !type) continue;
      const fqdn = this.#instances.get(key)?.fqdn ?? key;
      const instanceName = fqdn.slice(0, fqdn.length - type.suffix.length);
      out.push(beaconFrom({ instanceName: unescapeLabel(instanceName), domain, srv, txt: this.#txt.get(key) ?? {} }));
    }
    return out;
  }

  #typeOf(key: string): { type: string; suffix: string } | undefined {
    return this.#types.find((t) => key.endsWith(t.suffix) && key.length > t.suffix.length);
  }

  #forget(key: string): void {
    this.#instances.delete(key);
    this.#srv.delete(key);
    this.#txt.delete(key);
  }
}

/** Instance labels may carry escapes (`\.`, `\032`); people read them unescaped. */
function unescapeLabel(label: string): string {
  return label.replace(/\\(\d{3}|.)/g, (_, esc: string) => (esc.length === 3 ? String.fromCharCode(Number(esc)) : esc));
}
