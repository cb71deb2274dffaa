import { type StreamReplication, openKvBucket } from "@clawdbot/runtime";
import type { JetStreamClient, KV, KvEntry, KvOptions } from "nats";

const encoder = new TextEncoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export { isCasConflict } from "@clawdbot/nats-rpc";

/**
 * Opens (creating when missing) a bucket; history 1 since only the current value matters. With a
 * `replication`, it is created with that many replicas and raised to it if it has fewer.
 */
export function openBucket(js: JetStreamClient, name: string, options: Partial<KvOptions> = {}, replication?: StreamReplication): Promise<KV> {
  const bucket = { history: 1, ...options };
  return replication ? openKvBucket(js, name, bucket, replication) : js.views.kv(name, bucket);
}

/** The live value of an entry, or undefined for a missing or deleted one. */
export function liveEntry(entry: KvEntry | null): KvEntry | undefined {
  return entry && entry.operation === "PUT" ? entry : undefined;
}
