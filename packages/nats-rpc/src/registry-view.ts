import {
  ANNOUNCEMENT_MEMORY_MS,
  type MethodAccess,
  type NatsNames,
  ServiceAnnouncement,
  isAnnouncementLive,
} from "@clawdbot/protocol";
import type { KV, KvEntry, NatsConnection, QueuedIterator } from "nats";
import type { Logger } from "pino";
import { openRegistryBucket } from "./announcer.js";

export interface LiveMethod {
  access: MethodAccess;
  services: string[];
}

/**
 * The edge's view of which methods are served right now, kept current by watching the registry
 * bucket. Liveness is judged by heartbeat timestamps at the moment of asking, so a killed
 * service drops out without any event.
 */
export class RegistryView {
  readonly #entries = new Map<string, ServiceAnnouncement>();
  /** Every method seen in any announcement, with when it was last announced: an entry that
   * drops a method (a disabled plugin) must not make it "unknown" at once (ARCHITECTURE §3a). */
  readonly #seen = new Map<string, { access: MethodAccess; ts: number }>();
  readonly #nc: NatsConnection;
  readonly #names: NatsNames;
  readonly #log: Logger;
  #watch: QueuedIterator<KvEntry> | undefined;
  #loaded = false;

  constructor(options: { nc: NatsConnection; names: NatsNames; log: Logger }) {
    this.#nc = options.nc;
    this.#names = options.names;
    this.#log = options.log;
  }

  /** True once the bucket's current contents have been read. */
  get loaded(): boolean {
    return this.#loaded;
  }

  async start(): Promise<void> {
    const kv: KV = await openRegistryBucket(this.#nc, this.#names);
    let resolveInitial!: () => void;
    const initial = new Promise<void>((resolve) => (resolveInitial = resolve));
    this.#watch = await kv.watch({
      key: ">",
      initializedFn: () => {
        this.#loaded = true;
        resolveInitial();
      },
    });
    void this.#consume(this.#watch);
    await initial;
  }

  stop(): void {
    this.#watch?.stop();
  }

  /** Methods served by at least one live instance, with the scope each needs. */
  liveMethods(now = Date.now()): Map<string, LiveMethod> {
    const live = new Map<string, LiveMethod>();
    for (const entry of this.#entries.values()) {
      if (!isAnnouncementLive(entry, now)) continue;
      for (const { name, access } of entry.methods) {
        const method = live.get(name);
        if (method) method.services.push(entry.instanceId);
        else live.set(name, { access, services: [entry.instanceId] });
      }
    }
    return live;
  }

  /** The access rule a service announced for a method within the registry's memory, if any. */
  announcedAccess(method: string, now = Date.now()): MethodAccess | undefined {
    for (const entry of this.#entries.values()) {
      if (!isAnnouncementLive(entry, now)) continue;
      const announced = entry.methods.find((m) => m.name === method);
      if (announced) return announced.access;
    }
    const seen = this.#seen.get(method);
    return seen && now - seen.ts <= ANNOUNCEMENT_MEMORY_MS ? seen.access : undefined;
  }

  /** Every live instance, for health and diagnostics. */
  liveInstances(now = Date.now()): ServiceAnnouncement[] {
    return [...this.#entries.values()].filter((e) => isAnnouncementLive(e, now));
  }

  async #consume(watch: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const entry of watch) {
        if (entry.operation !== "PUT") {
          this.#entries.delete(entry.key);
          continue;
        }
        const parsed = ServiceAnnouncement.safeParse(entry.json());
        if (parsed.success) {
          this.#entries.set(entry.key, parsed.data);
          for (const { name, access } of parsed.data.methods) this.#seen.set(name, { access, ts: parsed.data.ts });
        } else this.#log.warn({ key: entry.key, issues: parsed.error.issues }, "ignoring malformed registry entry");
      }
    } catch (err) {
      this.#log.error({ err }, "registry watch ended");
    }
  }
}
