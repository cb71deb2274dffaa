// Replicas of buckets and streams on a real 3-node JetStream cluster: created with the count
// asked for, raised in place when made with fewer (also by several replicas at once), never lowered.
import { randomBytes } from "node:crypto";
import { NatsCluster } from "@clawdbot/natsd";
import { retryTransient } from "@clawdbot/nats-rpc";
import { type NatsConnection, connect } from "nats";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ensureReplicas, kvStreamName, openKvBucket } from "./stream-replicas.js";

let cluster: NatsCluster;
const connections: NatsConnection[] = [];

beforeAll(async () => {
  cluster = await NatsCluster.start({ size: 3 });
}, 60_000);

afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  await cluster?.stop();
});

/** A connection to node `i`, so concurrent openers really go through different servers. */
async function node(i: number): Promise<NatsConnection> {
  const nc = await connect({ servers: cluster.servers[i]!.url, noAsyncTraces: true });
  connections.push(nc);
  return nc;
}

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

async function waitFor(predicate: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bucketName = () => `b_${randomBytes(4).toString("hex")}`;

/** As a service opens a bucket at startup: through transient errors of a cluster settling. */
function open(nc: NatsConnection, bucket: string, replicas: number, log = capture().log) {
  return retryTransient(`bucket ${bucket}`, () => openKvBucket(nc.jetstream(), bucket, { history: 1 }, { replicas, log }), { log });
}

async function streamInfo(nc: NatsConnection, stream: string) {
  return (await nc.jetstreamManager()).streams.info(stream);
}

test("a missing bucket is created with the replicas asked for", async () => {
  const nc = await node(0);
  const bucket = bucketName();
  await open(nc, bucket, 3);
  const info = await streamInfo(nc, kvStreamName(bucket));
  expect(info.config.num_replicas).toBe(3);
  expect(info.cluster?.replicas).toHaveLength(2);
});

test("a 1-replica bucket is raised in place, keeping its data, by three openers at once", async () => {
  const [a, b, c] = [await node(0), await node(1), await node(2)];
  const bucket = bucketName();
  const old = await a.jetstream().views.kv(bucket, { history: 1, replicas: 1 });
  await old.put("kept", "yes");
  expect((await streamInfo(a, kvStreamName(bucket))).config.num_replicas).toBe(1);

  const logs = [capture(), capture(), capture()];
  const kvs = await Promise.all([a, b, c].map((nc, i) => open(nc, bucket, 3, logs[i]!.log)));

  const info = await streamInfo(a, kvStreamName(bucket));
  expect(info.config.num_replicas).toBe(3);
  expect(info.cluster?.replicas).toHaveLength(2);
  expect(info.state.messages).toBe(1);
  // Reads may be served by any replica (direct get); a new one answers once it has caught up.
  for (const kv of kvs) await waitFor(async () => (await kv.get("kept"))?.string() === "yes", "the kept value read through every opener");
  const raised = logs.flatMap((l) => l.lines).filter((l) => l.msg === "raised stream replicas");
  expect(raised.length).toBeGreaterThanOrEqual(1);
  expect(raised[0]).toMatchObject({ stream: kvStreamName(bucket), from: 1, to: 3 });
});

test("openers with different settings starting together end with the higher count", async () => {
  const [a, b] = [await node(1), await node(2)];
  const bucket = bucketName();
  await Promise.all([open(a, bucket, 1), open(b, bucket, 3)]);
  expect((await streamInfo(a, kvStreamName(bucket))).config.num_replicas).toBe(3);
});

test("a stream with more replicas than asked for is left as it is, with a warning", async () => {
  const nc = await node(0);
  const bucket = bucketName();
  await open(nc, bucket, 3);
  const { log, lines } = capture();
  await open(nc, bucket, 1, log);
  expect((await streamInfo(nc, kvStreamName(bucket))).config.num_replicas).toBe(3);
  expect(lines.find((l) => l.level === 40)).toMatchObject({ stream: kvStreamName(bucket), replicas: 3, wanted: 1 });
  const jsm = await nc.jetstreamManager();
  expect(await ensureReplicas(jsm, kvStreamName(bucket), { replicas: 1, log })).toBe("higher");
  expect(await ensureReplicas(jsm, kvStreamName(bucket), { replicas: 3, log })).toBe("kept");
});

test("more replicas than the cluster has nodes is refused once the retry time is spent, with JetStream's reason", async () => {
  const nc = await node(0);
  const bucket = bucketName();
  const { log } = capture();
  const refused = retryTransient(`bucket ${bucket}`, () => openKvBucket(nc.jetstream(), bucket, {}, { replicas: 5, log }), { log, totalMs: 500 });
  await expect(refused).rejects.toThrow(/still failing after \d+ attempts .*: no suitable peers for placement/);
});
