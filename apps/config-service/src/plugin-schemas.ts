import type { PluginSchemaSource } from "@clawdbot/config";
import { type NatsNames, PluginManifestRecord } from "@clawdbot/protocol";
import type { KV, NatsConnection } from "nats";
import type { Logger } from "pino";

const decoder = new TextDecoder();

/**
 * Plugin schemas for `config.schema`, from the manifests every plugin-host replica publishes in
 * `pluginManifestBucket` (key = plugin id). The bucket is the plugin-host's: it is read when it
 * exists and never created here, so no plugin-host means no plugin schemas, not an error.
 */
export class PluginSchemas {
  readonly #nc: NatsConnection;
  readonly #names: NatsNames;
  readonly #log: Logger;
  #kv: KV | undefined;

  constructor(options: { nc: NatsConnection; names: NatsNames; log: Logger }) {
    this.#nc = options.nc;
    this.#names = options.names;
    this.#log = options.log;
  }

  async list(): Promise<PluginSchemaSource[]> {
    const kv = await this.#bucket();
    if (!kv) return [];
    const out: PluginSchemaSource[] = [];
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== "PUT") continue;
      let json: unknown;
      try {
        json = JSON.parse(decoder.decode(entry.value));
      } catch {
        json = undefined;
      }
      const parsed = PluginManifestRecord.safeParse(json);
      if (!parsed.success) {
        this.#log.warn({ key }, "unreadable plugin manifest record; left out of config.schema");
        continue;
      }
      const m = parsed.data;
      out.push({
        id: m.id,
        ...(m.name ? { name: m.name } : {}),
        ...(m.description ? { description: m.description } : {}),
        configSchema: m.configSchema,
        ...(m.uiHints ? { uiHints: m.uiHints } : {}),
        ...(m.channels ? { channels: m.channels } : {}),
      });
    }
    return out;
  }

  async #bucket(): Promise<KV | undefined> {
    if (this.#kv) return this.#kv;
    const jsm = await this.#nc.jetstreamManager();
    try {
      await jsm.streams.info(`KV_${this.#names.pluginManifestBucket}`);
    } catch {
      return undefined;
    }
    this.#kv = await this.#nc.jetstream().views.kv(this.#names.pluginManifestBucket);
    return this.#kv;
  }
}
