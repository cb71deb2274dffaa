// CLAWDBOT_JS_REPLICAS on a fresh 3-node JetStream cluster: the services, all started at once
// right after the cluster formed, create every bucket and stream they use with 3 replicas and
// raise one that an older deployment left with 1; a value that cannot be used stops a service
// at once with a message naming the setting.
import { spawnSync } from "node:child_process";
import { type NatsNames, natsNames } from "@clawdbot/protocol";
import { NatsCluster } from "@clawdbot/testkit";
import { type NatsConnection, connect } from "nats";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type AppName, Stack, appEntry } from "./stack.js";

let cluster: NatsCluster;
let nc: NatsConnection;
let stack: Stack;
let names: NatsNames;

beforeAll(async () => {
  cluster = await NatsCluster.start({ size: 3 });
  nc = await connect({ servers: cluster.urls });
  stack = new Stack({ natsUrl: cluster.urls.join(","), env: { CLAWDBOT_JS_REPLICAS: "3" } });
  names = natsNames(stack.prefix);
}, 60_000);

afterAll(async () => {
  await Promise.all(stack?.apps.map((a) => a.stop()) ?? []);
  await nc?.close();
  await cluster?.stop();
}, 60_000);

test("every bucket and stream the services create has 3 replicas; one left with 1 is raised", async () => {
  // As an older deployment left it: the sessions bucket on one node, with an entry in it.
  const old = await nc.jetstream().views.kv(names.sessionsBucket, { history: 1, replicas: 1 });
  await old.put("kept", "{}");

  const services: AppName[] = ["session-manager", "config-service", "plugin-host"];
  const started = await Promise.all(services.map((name) => stack.start(name)));

  const jsm = await nc.jetstreamManager();
  const streams = [
    names.sessionsBucket,
    names.runsBucket,
    names.dedupeBucket,
    names.runResultsBucket,
    names.configBucket,
    names.pluginManifestBucket,
    names.pluginStateBucket,
    names.registryBucket,
  ].map((bucket) => `KV_${bucket}`);
  streams.push(names.transcriptsStream);
  const replicas: Record<string, number> = {};
  for (const stream of streams) replicas[stream] = (await jsm.streams.info(stream)).config.num_replicas;
  expect(replicas).toEqual(Object.fromEntries(streams.map((s) => [s, 3])));

  // Nothing of the deployment was left on fewer nodes, not even a stream this list forgot.
  const ours = (await jsm.streams.names().next()).filter((s) => s.startsWith(`KV_${stack.prefix}_`) || s.startsWith(`${stack.prefix}_`));
  expect(ours.sort()).toEqual([...streams].sort());

  const sessions = await jsm.streams.info(`KV_${names.sessionsBucket}`);
  expect(sessions.state.messages).toBe(1);
  const raised = started.flatMap((app) => app.logs.filter((l) => l.msg === "raised stream replicas"));
  expect(raised).toEqual([expect.objectContaining({ stream: `KV_${names.sessionsBucket}`, from: 1, to: 3 })]);
  for (const app of started) expect(app.logs.find((l) => typeof l.msg === "string" && l.msg.endsWith("ready"))).toMatchObject({ jsReplicas: 3 });
}, 120_000);

test("CLAWDBOT_JS_REPLICAS that is not 1..5 stops a service at start with one line naming it", () => {
  const run = spawnSync(process.execPath, [appEntry("session-manager")], { env: { ...process.env, ...stack.env({ CLAWDBOT_JS_REPLICAS: "three" }) }, encoding: "utf8", timeout: 30_000 });
  expect(run.status).toBe(1);
  const lines = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; service: string });
  expect(lines).toEqual([
    expect.objectContaining({
      level: 60,
      service: "session-manager",
      msg: 'CLAWDBOT_JS_REPLICAS must be an integer from 1 to 5 (JetStream replicas of every bucket and stream), not "three"',
    }),
  ]);
});
