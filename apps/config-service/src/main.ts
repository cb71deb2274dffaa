import { CONFIG_KEYS, KvLease, openConfigBucket, watchEffectiveConfig } from "@clawdbot/config";
import { bootService, kvStreamName, openReplicated, resolveConfigPath, retryTransient } from "@clawdbot/runtime";
import { ConfigStore } from "./config-store.js";
import { FileWatcher } from "./file-watcher.js";
import { configHandlers } from "./handlers/config.js";
import { overrideHandlers } from "./handlers/overrides.js";
import { OverrideStore } from "./overrides.js";
import { PluginSchemas } from "./plugin-schemas.js";
import { ReloadScheduler } from "./reload-scheduler.js";

let shutdown: (() => Promise<void>) | undefined;

await bootService({
  service: "config-service",
  setup: async ({ server, env, nc, names, log, replication }) => {
    // Each JetStream step is retried through transient errors (a fresh cluster electing leaders).
    const step = <T>(what: string, fn: () => Promise<T>) => retryTransient(what, fn, { log });
    const path = resolveConfigPath(env.stateDir, env.configPath);
    // config-service owns the config bucket: it creates it, or raises one made with fewer replicas.
    const kv = await step("config bucket", () => openReplicated(nc.jetstream(), kvStreamName(names.configBucket), replication, () => openConfigBucket(nc, names, env.jsReplicas)));
    const overrides = new OverrideStore(kv);
    const store = new ConfigStore({
      path,
      env: process.env,
      nc,
      names,
      kv,
      lease: new KvLease({ kv, key: CONFIG_KEYS.lease, owner: server.instanceId }),
      overrides,
      log,
      instanceId: server.instanceId,
      nixMode: process.env.CLAWDBOT_NIX_MODE === "1",
    });
    log.info({ configPath: path }, "config file");
    await step("first config publication", () => store.start());

    // Log level follows the effective config at once (hot), back to the process's own when unset.
    const effective = await step("effective config watch", () =>
      watchEffectiveConfig(nc, names, {
        replicas: env.jsReplicas,
        onChange: (next) => {
          log.level = next.config.logging?.level ?? env.logLevel;
        },
        onError: (err) => log.warn({ err }, "effective config watch"),
      }),
    );
    if (effective.current?.config.logging?.level) log.level = effective.current.config.logging.level;

    const reloads = new ReloadScheduler({ store, log, debounceMs: () => effective.current?.config.gateway.reload.debounceMs ?? 300 });
    const watcher = new FileWatcher({ log, onChange: () => reloads.schedule("file") });
    watcher.setFiles(store.watchedFiles);
    reloads.onRefreshed = () => watcher.setFiles(store.watchedFiles);
    const stopOverrides = await step("overrides watch", () => overrides.watch(() => reloads.now("override")));

    server.registerAll(configHandlers({ store, plugins: new PluginSchemas({ nc, names, log }), env: process.env, version: env.version }));
    server.registerAll(overrideHandlers(store));
    shutdown = async () => {
      watcher.stop();
      stopOverrides();
      effective.stop();
      await reloads.stop();
    };
  },
  teardown: () => shutdown?.() ?? Promise.resolve(),
});
