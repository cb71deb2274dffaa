import { watchEffectiveConfig } from "@clawdbot/config";
import { bootService, retryTransient } from "@clawdbot/runtime";
import { ConfigSource } from "./app-config.js";
import { RunEngine } from "./chat-runs.js";
import type { AppContext } from "./context.js";
import { agentHandlers } from "./handlers/agent.js";
import { chatHandlers } from "./handlers/chat.js";
import { modelsHandlers } from "./handlers/models.js";
import { sessionsHandlers } from "./handlers/sessions.js";
import { IdempotencyStore } from "./idempotency.js";
import { AbortService } from "./run-abort.js";
import { RunEvents } from "./run-events.js";
import { RunRegistry } from "./run-registry.js";
import { RunResults } from "./run-results.js";
import { Reaper } from "./run-takeover.js";
import { SessionStore } from "./session-store.js";
import { readRunSettings } from "./settings.js";
import { TranscriptStore } from "./transcript-store.js";

let shutdown: (() => Promise<void>) | undefined;

await bootService({
  service: "session-manager",
  setup: async ({ server, env, nc, names, log, replication }) => {
    // Each JetStream step is retried through transient errors: on a fresh cluster a bucket just
    // created can answer "stream not found" to its first watch until its leader is elected.
    const step = <T>(what: string, fn: () => Promise<T>) => retryTransient(what, fn, { log });
    const js = nc.jetstream();
    const jsm = await step("JetStream", () => nc.jetstreamManager());
    const settings = readRunSettings();
    const instanceId = server.instanceId;
    const [sessions, transcripts, registry, dedupe, results] = await Promise.all([
      step("sessions bucket", () => SessionStore.open(js, names, log, replication)),
      step("transcripts stream", () => TranscriptStore.open(js, jsm, names, process.cwd(), replication)),
      step("runs bucket", () => RunRegistry.open(js, names, log, replication)),
      step("idempotency bucket", () => IdempotencyStore.open(js, names, replication)),
      step("run results bucket", () => RunResults.open(js, names, replication)),
    ]);
    // The effective config config-service publishes (layers, overrides, validation); while none
    // is published, ConfigSource reads the file itself.
    const effective = await step("config watch", () =>
      watchEffectiveConfig(nc, names, { replicas: env.jsReplicas, onError: (err) => log.warn({ err }, "config watch") }),
    );
    const events = new RunEvents(nc, names);
    const engine = new RunEngine({ instanceId, log, settings, sessions, transcripts, registry, dedupe, results, events });
    const takeover = { instanceId, log, leaseMs: settings.leaseMs, registry, dedupe, results, events };
    const aborts = new AbortService({ ...takeover, nc, names, engine });
    const reaper = new Reaper({ ...takeover, engine });
    const app: AppContext = {
      nc,
      names,
      log,
      instanceId,
      stateDir: env.stateDir,
      settings,
      config: new ConfigSource(env.stateDir, env.configPath, effective),
      sessions,
      transcripts,
      registry,
      dedupe,
      results,
      events,
      engine,
      aborts,
    };
    engine.start();
    aborts.start();
    reaper.start();
    server.registerAll(sessionsHandlers(app));
    server.registerAll(chatHandlers(app));
    server.registerAll(agentHandlers(app));
    server.registerAll(modelsHandlers(app));
    log.info({ leaseMs: settings.leaseMs, echoWordDelayMs: settings.echoWordDelayMs }, "session stores open");
    shutdown = async () => {
      // Runs of this replica finish (or end as errors) while NATS is still up; aborts still reach them.
      reaper.stop();
      await engine.drain();
      engine.stop();
      await aborts.stop();
      sessions.stop();
      registry.stop();
      effective.stop();
    };
  },
  teardown: () => shutdown?.() ?? Promise.resolve(),
});
