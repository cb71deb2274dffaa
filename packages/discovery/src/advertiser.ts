import type { RemoteInfo } from "node:dgram";
import type { Answer, Question } from "dns-packet";
import { type HostAddresses, type InterfaceSource, hostAddresses } from "./addresses.js";
import type { DiscoveryLog } from "./log.js";
import { type MdnsSocket, type MdnsSocketOptions, groupAddress, openMdnsSocket } from "./mdns-socket.js";
import { ANY, ServiceRecords, rdataKey, ttlOf } from "./records.js";
import { GATEWAY_SERVICE_TYPES, MDNS_PORT, stripDot } from "./service-types.js";

export interface GatewayAdvertiserOptions {
  /** The instance name wanted; a conflict on the network turns it into `<name> (2)` and so on. */
  instanceName: string;
  hostLabel: string;
  port: number;
  txt: Record<string, string>;
  serviceTypes?: readonly string[];
  socket?: MdnsSocketOptions;
  log?: DiscoveryLog;
  /** Where addresses come from (`os.networkInterfaces` unless a test swaps it). */
  networkInterfaces?: InterfaceSource;
  /** How often interfaces are checked for changes. Default 5000 ms. */
  pollIntervalMs?: number;
}

type State = "starting" | "probing" | "announced" | "stopped";

// RFC 6762 §8: three probes 250 ms apart, a random start delay up to 250 ms, a one-second
// deferral for the loser of a simultaneous probe, two announcements one second apart.
const PROBE_INTERVAL_MS = 250;
const PROBE_COUNT = 3;
const TIEBREAK_DEFER_MS = 1_000;
const ANNOUNCE_INTERVAL_MS = 1_000;
const LEGACY_UNICAST_TTL = 10;
const GOODBYE_WAIT_MS = 1_000;

const silent: DiscoveryLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/**
 * Advertises one gateway over multicast DNS: probes for its instance name (renaming on a
 * conflict, so several gateways on one host each get their own), announces, answers queries,
 * re-announces when the host's addresses change, and says goodbye (TTL 0) on stop.
 *
 * @example
 * const ad = GatewayAdvertiser.start({ instanceName: "studio (Clawdbot)", hostLabel: "studio", port: 18789, txt });
 * await ad.ready; // the name it got
 * await ad.stop();
 */
export class GatewayAdvertiser {
  /** Resolves with the instance name once announced; never rejects (failures are logged). */
  readonly ready: Promise<string>;
  readonly #options: GatewayAdvertiserOptions;
  readonly #log: DiscoveryLog;
  readonly #socket: MdnsSocket;
  readonly #mdnsPort: number;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #resolveReady!: (name: string) => void;
  #state: State = "starting";
  #attempt = 1;
  #generation = 0;
  #addresses: HostAddresses;
  #records: ServiceRecords;
  #poller: ReturnType<typeof setInterval> | undefined;

  private constructor(options: GatewayAdvertiserOptions) {
    this.#options = options;
    this.#log = options.log ?? silent;
    this.#mdnsPort = options.socket?.port ?? MDNS_PORT;
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
    this.#addresses = this.#readAddresses();
    this.#records = this.#build();
    if (this.#records.droppedTxtKeys.length > 0) {
      this.#log.warn({ keys: this.#records.droppedTxtKeys }, "mdns: TXT entries longer than 255 bytes left out");
    }
    this.#socket = openMdnsSocket(options.socket);
    this.#socket.on("error", (err: Error) => this.#log.warn({ err }, "mdns: socket error; not advertising"));
    this.#socket.on("warning", (err: Error) => this.#log.debug({ err }, "mdns: socket warning"));
    this.#socket.on("query", (packet, rinfo) => this.#onQuery(packet, rinfo));
    this.#socket.on("response", (packet) => this.#onResponse(packet));
    this.#socket.once("ready", () => this.#probe(0));
  }

  /** Starts advertising; never blocks on the network. */
  static start(options: GatewayAdvertiserOptions): GatewayAdvertiser {
    const advertiser = new GatewayAdvertiser(options);
    const pollMs = options.pollIntervalMs ?? 5_000;
    advertiser.#poller = setInterval(() => advertiser.#checkInterfaces(), pollMs);
    advertiser.#poller.unref();
    return advertiser;
  }

  /** The instance name in use (after any conflict renaming). */
  get instanceName(): string {
    return this.#records.description.instanceName;
  }

  get state(): State {
    return this.#state;
  }

  /** Changes what is advertised (TXT, port) and announces the new records. */
  update(change: { txt?: Record<string, string>; port?: number }): void {
    if (this.#state === "stopped") return;
    this.#options.txt = change.txt ?? this.#options.txt;
    this.#options.port = change.port ?? this.#options.port;
    this.#records = this.#build();
    if (this.#state === "announced") this.#announce("updated");
  }

  /** Goodbye records for everything announced, then the socket closes. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    const announced = this.#state === "announced";
    this.#state = "stopped";
    clearInterval(this.#poller);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (announced) {
      await new Promise<void>((resolve) => {
        const guard = setTimeout(resolve, GOODBYE_WAIT_MS);
        this.#socket.respond({ answers: this.#records.goodbyes() }, groupAddress(this.#mdnsPort), (err) => {
          clearTimeout(guard);
          if (err) this.#log.debug({ err }, "mdns: goodbye not sent");
          resolve();
        });
      });
      this.#log.info({ instance: this.instanceName }, "mdns: goodbye sent");
    }
    await new Promise<void>((resolve) => this.#socket.destroy(() => resolve()));
  }

  #build(): ServiceRecords {
    const base = this.#options.instanceName;
    return new ServiceRecords({
      instanceName: this.#attempt === 1 ? base : `${base} (${this.#attempt})`,
      serviceTypes: this.#options.serviceTypes ?? GATEWAY_SERVICE_TYPES,
      hostLabel: this.#options.hostLabel,
      port: this.#options.port,
      txt: this.#options.txt,
      addresses: this.#addresses,
    });
  }

  #readAddresses(): HostAddresses {
    return hostAddresses(this.#options.networkInterfaces, this.#options.socket?.interface);
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #send(packet: { answers: Answer[]; additionals?: Answer[] }, what: string): void {
    this.#socket.respond(packet, groupAddress(this.#mdnsPort), (err) => {
      if (err) this.#log.warn({ err }, `mdns: ${what} not sent`);
    });
  }

  /** Claims the name: three probes; a conflict renames and starts over, a lost tie-break defers. */
  #probe(delayMs: number): void {
    if (this.#state === "stopped") return;
    this.#state = "probing";
    const generation = ++this.#generation;
    let sent = 0;
    const next = () => {
      if (this.#state !== "probing" || generation !== this.#generation) return;
      if (sent === PROBE_COUNT) return this.#announce("probed");
      sent++;
      const questions: Question[] = this.#records.instanceNames().map((name) => ({ name, type: ANY }));
      this.#socket.query({ questions, authorities: this.#records.uniqueRecords() }, groupAddress(this.#mdnsPort), (err) => {
        if (err) this.#log.warn({ err }, "mdns: probe not sent");
      });
      this.#later(PROBE_INTERVAL_MS, next);
    };
    this.#later(delayMs || Math.floor(Math.random() * PROBE_INTERVAL_MS), next);
  }

  #announce(reason: string): void {
    if (this.#state === "stopped") return;
    this.#state = "announced";
    const generation = ++this.#generation;
    const packet = () => ({ answers: this.#records.all() });
    this.#send(packet(), "announcement");
    this.#later(ANNOUNCE_INTERVAL_MS, () => {
      if (this.#state === "announced" && generation === this.#generation) this.#send(packet(), "announcement");
    });
    const d = this.#records.description;
    this.#log.info({ instance: d.instanceName, port: d.port, host: this.#records.target, types: d.serviceTypes, txt: d.txt, reason }, "mdns: advertised");
    this.#resolveReady(d.instanceName);
  }

  #checkInterfaces(): void {
    if (this.#state === "stopped") return;
    const next = this.#readAddresses();
    if (JSON.stringify(next) === JSON.stringify(this.#addresses)) return;
    this.#log.info({ from: this.#addresses, to: next }, "mdns: network interfaces changed; re-announcing");
    this.#addresses = next;
    this.#records = this.#build();
    if (this.#state === "announced") this.#announce("interfaces changed");
  }

  #onQuery(packet: { id?: number; questions: Question[]; answers: Answer[]; authorities: Answer[] }, rinfo: RemoteInfo): void {
    if (this.#state === "probing") return this.#tieBreak(packet.authorities);
    if (this.#state !== "announced") return;
    const { answers, additionals } = this.#records.answer(packet.questions, packet.answers);
    if (answers.length === 0) return;
    if (rinfo.port === this.#mdnsPort) {
      this.#send({ answers, additionals }, "answer");
      return;
    }
    // A one-shot querier on another port (RFC 6762 §6.7) gets a unicast reply it can match: its
    // id and questions echoed, short TTLs, no cache-flush bits.
    const unicast = (r: Answer) => ({ ...r, flush: false, ttl: Math.min(ttlOf(r) ?? LEGACY_UNICAST_TTL, LEGACY_UNICAST_TTL) }) as Answer;
    this.#socket.respond(
      { id: packet.id ?? 0, questions: packet.questions, answers: answers.map(unicast), additionals: additionals.map(unicast) },
      { port: rinfo.port, address: rinfo.address },
      (err) => {
        if (err) this.#log.debug({ err }, "mdns: unicast answer not sent");
      },
    );
  }

  /**
   * Another host probes for our name at the same time (RFC 6762 §8.2): the lexicographically
   * later record wins; the loser waits a second and probes again, then meets the winner's answer.
   */
  #tieBreak(authorities: Answer[]): void {
    const ours = this.#records.uniqueRecords();
    const names = new Set(this.#records.instanceNames().map((n) => n.toLowerCase()));
    for (const theirs of authorities) {
      if (theirs.type !== "SRV" || !names.has(stripDot(theirs.name).toLowerCase())) continue;
      const mine = ours.find((r) => r.type === theirs.type && r.name.toLowerCase() === stripDot(theirs.name).toLowerCase());
      if (!mine) continue;
      const a = rdataKey(mine);
      const b = rdataKey(theirs);
      if (a === b) continue; // our own probe, or an identical claim
      if (a < b) {
        this.#log.debug({ instance: this.instanceName }, "mdns: simultaneous probe lost; probing again in 1 s");
        this.#generation++;
        this.#probe(TIEBREAK_DEFER_MS);
      }
      return;
    }
  }

  /** A response that puts another host or port under one of our names is a conflict: take the next name. */
  #onResponse(packet: { answers: Answer[]; additionals: Answer[] }): void {
    if (this.#state !== "probing" && this.#state !== "announced") return;
    const ours = this.#records.uniqueRecords();
    for (const record of [...packet.answers, ...packet.additionals]) {
      // SRV decides: same host and port under our name is this gateway (a stale TXT echo at most).
      if (record.type !== "SRV" || ttlOf(record) === 0) continue;
      const name = stripDot(record.name).toLowerCase();
      const mine = ours.find((r) => r.type === record.type && r.name.toLowerCase() === name);
      if (!mine || rdataKey(mine) === rdataKey(record)) continue;
      const previous = this.instanceName;
      if (this.#state === "announced") this.#send({ answers: this.#records.goodbyes() }, "goodbye");
      this.#attempt++;
      this.#records = this.#build();
      this.#log.warn({ previous, instance: this.instanceName }, "mdns: instance name taken on the network; renamed");
      this.#generation++;
      this.#probe(0);
      return;
    }
  }
}
