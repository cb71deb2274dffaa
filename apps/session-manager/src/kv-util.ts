import type { JetStreamClient, KV, KvEntry, KvOptions } from "nats";

const encoder = new TextEncoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** A compare-and-set lost to another writer (JetStream "wrong last sequence", 10071). */
export function isCasConflict(err: unknown): boolean {
  const api = (err as { api_error?: { err_code?: number } } | null)?.api_error;
  return api?.err_code === 10071 || (err instanceof Error && /wrong last sequence/i.test(err.message));
}

/** Opens (creating when missing) a bucket; history 1 since only the current value matters. */
export function openBucket(js: JetStreamClient, name: string, options: Partial<KvOptions> = {}): Promise<KV> {
  return js.views.kv(name, { history: 1, ...options });
}

/** The live value of an entry, or undefined for a missing or deleted one. */
export function liveEntry(entry: KvEntry | null): KvEntry | undefined {
  return entry && entry.operation === "PUT" ? entry : undefined;
}
