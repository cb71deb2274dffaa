import { isTransientNatsError } from "@clawdbot/nats-rpc";
import type { NatsNames } from "@clawdbot/protocol";
import { type StreamReplication, openKvBucket, retryTransient } from "@clawdbot/runtime";
import type { KV, NatsConnection } from "nats";
import type { Logger } from "pino";

const MAX_VALUE_BYTES = 512 * 1024;

/** Where `api.storage` keeps values (JSON text), per plugin. */
export interface PluginStorageBackend {
  get: (pluginId: string, key: string) => Promise<string | undefined>;
  set: (pluginId: string, key: string, json: string) => Promise<void>;
  delete: (pluginId: string, key: string) => Promise<void>;
}

/**
 * Plugins' `api.storage`: JSON values in one JetStream KV bucket, keyed `<pluginId>.<key>`, so
 * every plugin-host replica reads and writes the same state. Values travel as JSON text.
 */
export class PluginStateStore implements PluginStorageBackend {
  readonly #kv: KV;
  readonly #log: Logger;

  private constructor(kv: KV, log: Logger) {
    this.#kv = kv;
    this.#log = log;
  }

  /** Created with `replication.replicas` when missing, raised to it when it has fewer. */
  static async open(nc: NatsConnection, names: NatsNames, replication: StreamReplication): Promise<PluginStateStore> {
    const kv = await openKvBucket(nc.jetstream(), names.pluginStateBucket, { history: 1 }, replication);
    return new PluginStateStore(kv, replication.log);
  }

  async get(pluginId: string, key: string): Promise<string | undefined> {
    const entry = await this.#retry("get", () => this.#kv.get(storageKey(pluginId, key)));
    return entry && entry.operation === "PUT" ? entry.string() : undefined;
  }

  async set(pluginId: string, key: string, json: string): Promise<void> {
    if (Buffer.byteLength(json) > MAX_VALUE_BYTES) throw new Error(`storage value for ${key} is over ${MAX_VALUE_BYTES} bytes`);
    await this.#retry("set", () => this.#kv.put(storageKey(pluginId, key), json));
  }

  async delete(pluginId: string, key: string): Promise<void> {
    await this.#retry("delete", () => this.#kv.delete(storageKey(pluginId, key)));
  }

  /** A NATS node restarting or a leader election makes a KV call time out for a second or two: try again, briefly. */
  #retry<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return retryTransient(`plugin storage ${op}`, fn, { log: this.#log, totalMs: 4_000, firstDelayMs: 100, maxDelayMs: 1_000, retryable: isTransientNatsError });
  }
}

/** Plugin ids are free-form; KV keys are not. The key itself was checked in the worker. */
function storageKey(pluginId: string, key: string): string {
  return `${pluginId.replace(/[^A-Za-z0-9_-]/g, "_")}.${key}`;
}
