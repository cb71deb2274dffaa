import { CONFIG_KEYS, type JsonObject, isPlainObject, mergeLayers, parsePath, setAt } from "@clawdbot/config";
import { type KV, type KvEntry, KvWatchInclude, type QueuedIterator } from "nats";
import { isCasConflict } from "@clawdbot/nats-rpc";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Lost to another writer: an update by revision, or a create of a key that now exists. */
function lostRace(err: unknown): boolean {
  return isCasConflict(err) || (err instanceof Error && /exists/i.test(err.message));
}

/** Override path → value, as stored: one entry per `config.override.set`. */
export type Overrides = Record<string, unknown>;

/** The override layer as a tree; a deeper path is applied after (and merged into) a shallower one. */
export function overrideTree(overrides: Overrides): JsonObject {
  let tree: JsonObject = {};
  for (const path of Object.keys(overrides).sort((a, b) => a.split(".").length - b.split(".").length || a.localeCompare(b))) {
    tree = mergeLayers(tree, setAt({}, parsePath(path), overrides[path])) as JsonObject;
  }
  return tree;
}

function decode(entry: KvEntry | null): Overrides {
  if (!entry || entry.operation !== "PUT") return {};
  try {
    const value = JSON.parse(decoder.decode(entry.value)) as unknown;
    return isPlainObject(value) ? value : {};
  } catch {
    return {};
  }
}

/**
 * The runtime override layer: one KV entry every replica shares, changed by compare-and-set so
 * concurrent `config.override.*` calls on different replicas all land. Never written to the file.
 */
export class OverrideStore {
  readonly #kv: KV;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  async read(): Promise<Overrides> {
    return decode(await this.#kv.get(CONFIG_KEYS.overrides));
  }

  /** Applies `change` to the stored overrides, retrying when another replica changed them first. */
  async update(change: (current: Overrides) => Overrides): Promise<Overrides> {
    for (;;) {
      const entry = await this.#kv.get(CONFIG_KEYS.overrides);
      const next = change(decode(entry));
      const data = encoder.encode(JSON.stringify(next));
      try {
        if (entry) await this.#kv.update(CONFIG_KEYS.overrides, data, entry.revision);
        else await this.#kv.create(CONFIG_KEYS.overrides, data);
        return next;
      } catch (err) {
        if (!lostRace(err)) throw err;
      }
    }
  }

  /** Calls `onChange` for every change after the current value. */
  async watch(onChange: () => void): Promise<() => void> {
    const iterator: QueuedIterator<KvEntry> = await this.#kv.watch({ key: CONFIG_KEYS.overrides, include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const _entry of iterator) onChange();
    })();
    return () => iterator.stop();
  }
}
