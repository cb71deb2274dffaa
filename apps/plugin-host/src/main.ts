import { publishEvent, RpcClient } from "@clawdbot/nats-rpc";
import { openConfigBucket } from "@clawdbot/config";
import { bootService, kvStreamName, openReplicated, resolveConfigPath, retryTransient } from "@clawdbot/runtime";
import { PluginConfigValidator } from "./config-validation.js";
import { PluginEnablementWriter } from "./config-writer.js";
import { pluginsHandlers } from "./handlers/plugins.js";
import { ManifestPublisher } from "./manifest-publisher.js";
import { PluginConfigSource } from "./plugin-config-source.js";
import { PluginStateStore } from "./plugin-state-store.js";
import { readPluginHostSettings } from "./settings.js";
import { PluginSupervisor } from "./supervisor.js";

let shutdown: () => Promise<void> = async () => undefined;

await bootService({
  service: "plugin-host",
  setup: async ({ server, env, log, nc, names, replication }) => {
    // Each JetStream step is retried through transient errors (a fresh cluster electing leaders).
    const step = <T>(what: string, fn: () => Promise<T>) => retryTransient(what, fn, { log });
    const settings = readPluginHostSettings();
    const [manifests, storage] = await Promise.all([
      step("plugin manifest bucket", () => ManifestPublisher.open(nc, names, log, replication)),
      step("plugin state bucket", () => PluginStateStore.open(nc, names, replication)),
      // The config source below watches the config bucket; should this be the first process to
      // touch it, it is created here with the deployment's replicas, and answering before the watch.
      step("config bucket", () => openReplicated(nc.jetstream(), kvStreamName(names.configBucket), replication, () => openConfigBucket(nc, names, env.jsReplicas))),
    ]);
    const source = new PluginConfigSource({ path: resolveConfigPath(env.stateDir, env.configPath), log, pollMs: settings.configPollMs, nc, names });
    const rpc = new RpcClient({ nc, names, timeoutMs: settings.callTimeoutMs });
    const supervisor = new PluginSupervisor({
      server,
      log,
      validator: new PluginConfigValidator(),
      manifests,
      stateDir: env.stateDir,
      bundledDir: settings.bundledDir,
      runtime: {
        log,
        settings,
        instanceId: server.instanceId,
        sdkUrl: import.meta.resolve("@clawdbot/plugin-sdk"),
        stateDir: env.stateDir,
        logLevel: env.logLevel,
        storage,
        publish: (event, payload, dropIfSlow) => publishEvent(nc, names, event, payload, { dropIfSlow }),
      },
    });
    server.registerAll(pluginsHandlers({ supervisor, writer: new PluginEnablementWriter({ rpc, source, log }), source }));
    const view = await step("effective config watch", () => source.start((next) => void supervisor.reconcile(next)));
    log.info({ configFrom: view.from, configPath: source.path, bundledDir: settings.bundledDir }, "loading plugins");
    await supervisor.reconcile(view);
    supervisor.startScanning(settings.scanIntervalMs);
    const { plugins } = supervisor.list();
    log.info({ plugins: plugins.map((p) => `${p.id}:${p.state}`) }, "plugins loaded");
    shutdown = async () => {
      source.stop();
      await supervisor.stopAll("gateway stopping");
      rpc.close();
    };
  },
  teardown: () => shutdown(),
});
