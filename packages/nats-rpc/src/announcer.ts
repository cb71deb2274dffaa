import { ANNOUNCEMENT_MEMORY_MS, type MethodAccess, type NatsNames, type ServiceAnnouncement } from "@clawdbot/protocol";
import type { KV, NatsConnection } from "nats";
import type { Logger } from "pino";
import { retryTransient } from "./transient.js";

export interface AnnouncerOptions {
  nc: NatsConnection;
  names: NatsNames;
  service: string;
  instanceId: string;
  version: string;
  log: Logger;
  heartbeatMs?: number | undefined;
  replicas?: number | undefined;
  methods: () => { name: string; access: MethodAccess }[];
}

/** Opens the registry bucket; entries older than the registry's memory age out on their own. */
export function openRegistryBucket(nc: NatsConnection, names: NatsNames, replicas = 1): Promise<KV> {
  return nc.jetstream().views.kv(names.registryBucket, { history: 1, ttl: ANNOUNCEMENT_MEMORY_MS, replicas });
}

/** Keeps one instance's entry in the registry bucket fresh, and marks it stopping on the way out. */
export class Announcer {
  readonly #options: AnnouncerOptions;
  readonly #startedAt = Date.now();
  readonly #heartbeatMs: number;
  #kv: KV | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: AnnouncerOptions) {
    this.#options = options;
    this.#heartbeatMs = options.heartbeatMs ?? 2_000;
  }

  get key(): string {
    return `${this.#options.service}.${this.#options.instanceId}`;
  }

  async start(): Promise<void> {
    // On a fresh cluster the bucket's stream may still be electing its leader: wait it out.
    this.#kv = await retryTransient("registry bucket", () => openRegistryBucket(this.#options.nc, this.#options.names, this.#options.replicas), { log: this.#options.log });
    await this.announce();
    this.#timer = setInterval(() => void this.announce(), this.#heartbeatMs);
    this.#timer.unref();
  }

  async announce(stopping = false): Promise<void> {
    if (!this.#kv) return;
    const entry: ServiceAnnouncement = {
      service: this.#options.service,
      instanceId: this.#options.instanceId,
      version: this.#options.version,
      startedAt: this.#startedAt,
      ts: Date.now(),
      heartbeatMs: this.#heartbeatMs,
      methods: this.#options.methods(),
      ...(stopping ? { stopping: true } : {}),
    };
    try {
      await this.#kv.put(this.key, JSON.stringify(entry));
    } catch (err) {
      // A missed beat is survivable; the next one retries. Persisting failure shows up as the
      // instance dropping out of the edges' method lists.
      this.#options.log.warn({ err, key: this.key }, "registry announcement failed");
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.announce(true);
  }
}
