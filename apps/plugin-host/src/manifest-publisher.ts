import { type NatsNames, PluginManifestRecord } from "@clawdbot/protocol";
import type { KV, NatsConnection } from "nats";
import type { Logger } from "pino";
import { type StreamReplication, openKvBucket } from "@clawdbot/runtime";
import type { PluginPlan } from "./catalog.js";

/**
 * Publishes every discovered plugin's manifest (id, configSchema, uiHints, …) into the
 * `pluginManifestBucket`, so config-service can merge plugin schemas into `config.schema` and
 * check `plugins.entries.<id>.config` without loading plugin code. Replicas that see the same
 * plugins write the same records; a record is only rewritten when its content changes.
 */
export class ManifestPublisher {
  readonly #kv: KV;
  readonly #log: Logger;
  #lastPublished = "";

  private constructor(kv: KV, log: Logger) {
    this.#kv = kv;
    this.#log = log;
  }

  /** Created with `replication.replicas` when missing, raised to it when it has fewer. */
  static async open(nc: NatsConnection, names: NatsNames, log: Logger, replication: StreamReplication): Promise<ManifestPublisher> {
    const kv = await openKvBucket(nc.jetstream(), names.pluginManifestBucket, { history: 1 }, replication);
    return new ManifestPublisher(kv, log);
  }

  async publish(plans: readonly PluginPlan[]): Promise<void> {
    const records = new Map<string, Omit<PluginManifestRecord, "publishedAt">>();
    for (const plan of plans) {
      const manifest = plan.manifest;
      if (!manifest || records.has(manifest.id) || plan.error?.startsWith("overridden by")) continue;
      records.set(manifest.id, {
        id: manifest.id,
        origin: plan.origin,
        source: plan.source,
        configSchema: manifest.configSchema,
        ...(manifest.name !== undefined ? { name: manifest.name } : {}),
        ...(manifest.description !== undefined ? { description: manifest.description } : {}),
        ...(manifest.version !== undefined ? { version: manifest.version } : {}),
        ...(manifest.kind !== undefined ? { kind: manifest.kind } : {}),
        ...(manifest.channels !== undefined ? { channels: manifest.channels } : {}),
        ...(manifest.providers !== undefined ? { providers: manifest.providers } : {}),
        ...(manifest.uiHints !== undefined ? { uiHints: manifest.uiHints } : {}),
      });
    }
    const summary = JSON.stringify([...records.values()]);
    if (summary === this.#lastPublished) return;
    try {
      for (const [id, record] of records) {
        const current = await this.#kv.get(id);
        const parsed = current?.operation === "PUT" ? PluginManifestRecord.safeParse(current.json()) : undefined;
        if (parsed?.success && sameContent(parsed.data, record)) continue;
        await this.#kv.put(id, JSON.stringify({ ...record, publishedAt: Date.now() }));
      }
      for await (const key of await this.#kv.keys()) {
        if (!records.has(key)) await this.#kv.delete(key);
      }
      this.#lastPublished = summary;
    } catch (err) {
      // The next scan retries; config.schema just lags behind until then.
      this.#log.warn({ err }, "publishing plugin manifests failed");
    }
  }
}

const RecordContent = PluginManifestRecord.omit({ publishedAt: true });

/** Compared through the schema, so key order does not count as a change. */
function sameContent(stored: PluginManifestRecord, record: Omit<PluginManifestRecord, "publishedAt">): boolean {
  return JSON.stringify(RecordContent.parse(stored)) === JSON.stringify(RecordContent.parse(record));
}
