import { ConfigChangeSource, ConfigLayer, ConfigReloadPlan, type NatsNames, natsNames } from "@clawdbot/protocol";
import type { KV, KvEntry, NatsConnection, QueuedIterator } from "nats";
import * as z from "zod";
import { type Layer, layerOf } from "./layers.js";
import type { ClawdbotConfig } from "./schema.js";

/** Keys of the config bucket (`natsNames(prefix).configBucket`). */
export const CONFIG_KEYS = {
  /** The effective config every service runs with (a `PublishedConfig`). */
  effective: "effective",
  /** The runtime override tree (`config.override.set`), shared by every replica. */
  overrides: "overrides",
  /** Held while one config-service replica writes the file or publishes. */
  lease: "write-lease",
  /** Held by the one edge restarting its listener for a restart-class change (a `KvLease`). */
  edgeRestart: "edge-restart",
} as const;

/** What config-service publishes at `effective`: the merged config, where each value came from, and why it changed. */
export const PublishedConfig = z.object({
  /** Defaults < file < env < overrides, validated. Secrets included: the bus is internal. */
  config: z.record(z.string(), z.unknown()),
  /** Leaf path → the layer its value comes from. */
  provenance: z.record(z.string(), ConfigLayer),
  /** sha256 of the effective config (canonical JSON): changes whenever any layer's effect does. */
  hash: z.string(),
  /** sha256 of the file text it was built from, as `config.get` reports it. */
  fileHash: z.string(),
  filePath: z.string(),
  /**
   * The file layer in force (after `$include` and `${VAR}`): what config-service layers new
   * overrides onto while the file itself is invalid, so the last good file stays in force.
   */
  fileLayer: z.record(z.string(), z.unknown()),
  /** Paths whose values came from `${VAR}`s with secret-looking names: redact them too. */
  secretPaths: z.array(z.string()),
  /** How this differs from the config published before it; null for the first one. */
  plan: ConfigReloadPlan.nullable(),
  source: ConfigChangeSource,
  publishedAt: z.string(),
  /** The config-service instance that published it. */
  publishedBy: z.string(),
});
export type PublishedConfig = z.infer<typeof PublishedConfig>;

export interface EffectiveConfig extends Omit<PublishedConfig, "config"> {
  config: ClawdbotConfig;
  /** KV revision: increases with every publication. */
  revision: number;
}

/**
 * Opens the config bucket, creating it with `replicas` when missing (an existing bucket keeps
 * its own; config-service, which owns it, raises it to CLAWDBOT_JS_REPLICAS at startup).
 */
export function openConfigBucket(nc: NatsConnection, names: NatsNames, replicas = 1): Promise<KV> {
  return nc.jetstream().views.kv(names.configBucket, { history: 1, replicas });
}

function toNames(prefix: string | NatsNames): NatsNames {
  return typeof prefix === "string" ? natsNames(prefix) : prefix;
}

const decoder = new TextDecoder();

/** The entry as an effective config, or undefined for a delete or something unreadable. */
export function decodePublished(entry: KvEntry | null): EffectiveConfig | undefined {
  if (!entry || entry.operation !== "PUT") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(entry.value));
  } catch {
    return undefined;
  }
  const parsed = PublishedConfig.safeParse(json);
  if (!parsed.success) return undefined;
  return { ...parsed.data, config: parsed.data.config as ClawdbotConfig, revision: entry.revision };
}

/** The effective config as published now, or null when config-service has not published one yet. */
export async function loadEffectiveConfig(nc: NatsConnection, prefix: string | NatsNames, replicas = 1): Promise<EffectiveConfig | null> {
  const kv = await openConfigBucket(nc, toNames(prefix), replicas);
  return decodePublished(await kv.get(CONFIG_KEYS.effective)) ?? null;
}

export interface WatchOptions {
  /** Called for every new effective config after the first; `previous` is null when there was none. */
  onChange?: (next: EffectiveConfig, previous: EffectiveConfig | null) => void;
  /** A listener that threw, or an entry that did not decode. The watch goes on. */
  onError?: (err: unknown) => void;
  /** JetStream replicas of the config bucket should this watch be the first to create it (1 by default). */
  replicas?: number;
}

/** A live view of the effective config. */
export interface EffectiveConfigWatcher {
  /** The latest effective config, or null while config-service has published none. */
  readonly current: EffectiveConfig | null;
  /** Which layer a path's value comes from (`"default" | "file" | "env" | "override"`). */
  layerOf(path: string): Layer | undefined;
  stop(): void;
}

/**
 * Follows the effective config that config-service publishes. Resolves once the current value
 * (if any) is loaded, so `current` is usable at once; later publications call `onChange` in
 * order. Hot changes need nothing else; when `next.plan?.restart` is true, the change needs a
 * listener restart (edges).
 *
 * @example
 * const config = await watchEffectiveConfig(nc, "gw", { onChange: (next) => log.level = next.config.logging?.level ?? "info" });
 * config.current?.config.gateway.port;
 * config.layerOf("gateway.auth.token"); // "env"
 */
export async function watchEffectiveConfig(nc: NatsConnection, prefix: string | NatsNames, options: WatchOptions = {}): Promise<EffectiveConfigWatcher> {
  const kv = await openConfigBucket(nc, toNames(prefix), options.replicas);
  // A holder, not a `let`: the loop below assigns it from a closure.
  const state: { current: EffectiveConfig | null } = { current: null };
  let initialized = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const iterator: QueuedIterator<KvEntry> = await kv.watch({
    key: CONFIG_KEYS.effective,
    initializedFn: () => {
      initialized = true;
      markReady();
    },
  });
  void (async () => {
    for await (const entry of iterator) {
      if (entry.operation !== "PUT") continue;
      const next = decodePublished(entry);
      if (!next) {
        options.onError?.(new Error(`unreadable effective config at revision ${entry.revision}`));
        continue;
      }
      const previous = state.current;
      if (previous && next.revision <= previous.revision) continue;
      state.current = next;
      if (!initialized) continue;
      try {
        options.onChange?.(next, previous);
      } catch (err) {
        options.onError?.(err);
      }
    }
  })().catch((err: unknown) => options.onError?.(err));
  await ready;
  // The initialized signal can come before the loop above has taken the initial entry off the
  // queue; reading it directly makes `current` right on return (the loop skips older revisions).
  const latest = decodePublished(await kv.get(CONFIG_KEYS.effective));
  if (latest && (!state.current || latest.revision > state.current.revision)) state.current = latest;
  return {
    get current() {
      return state.current;
    },
    layerOf: (path: string) => (state.current ? layerOf(state.current.provenance, path) : undefined),
    stop: () => iterator.stop(),
  };
}
