import { natsNames } from "@clawdbot/protocol";
import { useNatsServer } from "@clawdbot/testkit";
import { describe, expect, test } from "vitest";
import { CONFIG_KEYS, type EffectiveConfig, type PublishedConfig, loadEffectiveConfig, openConfigBucket, watchEffectiveConfig } from "./client.js";
import { layerConfig } from "./layers.js";

// The client against a real nats-server: what services see of what config-service publishes.

const nats = useNatsServer({ drain: true });

function record(port: number): PublishedConfig {
  const layered = layerConfig({ file: { gateway: { port } }, env: {}, override: {} });
  if (!layered.ok) throw new Error("invalid");
  return {
    config: layered.config,
    provenance: layered.provenance,
    hash: layered.hash,
    fileHash: "f",
    filePath: "/x/moltbot.json",
    fileLayer: { gateway: { port } },
    secretPaths: [],
    plan: null,
    source: "startup",
    publishedAt: new Date().toISOString(),
    publishedBy: "test",
  };
}

const nextChange = (changes: EffectiveConfig[], count: number) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (changes.length >= count) resolve(clearInterval(timer));
      else if (Date.now() - started > 10_000) reject(new Error(`only ${changes.length} changes`));
    }, 10);
  });

describe("effective config client", () => {
  test("nothing published: load gives null and a watcher starts empty", async () => {
    const names = natsNames("empty");
    expect(await loadEffectiveConfig(nats.nc, names)).toBeNull();
    const watcher = await watchEffectiveConfig(nats.nc, names);
    expect(watcher.current).toBeNull();
    expect(watcher.layerOf("gateway.port")).toBeUndefined();
    watcher.stop();
  });

  test("a watcher has the current value at once and sees every later one, with provenance", async () => {
    const names = natsNames("live");
    const kv = await openConfigBucket(nats.nc, names);
    await kv.put(CONFIG_KEYS.effective, JSON.stringify(record(19001)));
    const changes: EffectiveConfig[] = [];
    const watcher = await watchEffectiveConfig(nats.nc, "live", { onChange: (next) => changes.push(next) });
    expect(watcher.current?.config.gateway.port).toBe(19001);
    expect(watcher.layerOf("gateway.port")).toBe("file");
    expect(watcher.layerOf("gateway.bind")).toBe("default");
    await kv.put(CONFIG_KEYS.effective, JSON.stringify(record(19002)));
    await nextChange(changes, 1);
    expect(changes[0]!.config.gateway.port).toBe(19002);
    expect(watcher.current?.revision).toBeGreaterThan(1);
    expect((await loadEffectiveConfig(nats.nc, names))?.config.gateway.port).toBe(19002);
    watcher.stop();
  });

  test("an unreadable entry is reported and skipped; the last good one stays", async () => {
    const names = natsNames("garbled");
    const kv = await openConfigBucket(nats.nc, names);
    await kv.put(CONFIG_KEYS.effective, JSON.stringify(record(19010)));
    const errors: unknown[] = [];
    const watcher = await watchEffectiveConfig(nats.nc, names, { onError: (err) => errors.push(err) });
    await kv.put(CONFIG_KEYS.effective, "{not json");
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => errors.length > 0 && resolve(clearInterval(timer)), 10);
    });
    expect(watcher.current?.config.gateway.port).toBe(19010);
    watcher.stop();
  });
});
