import type { JetStreamClient, JetStreamManager, KV, KvOptions, StreamInfo } from "nats";
import type { Logger } from "pino";

/** How many NATS nodes keep the buckets and streams a service creates, and where to log what was done. */
export interface StreamReplication {
  replicas: number;
  log: Logger;
}

/** The stream behind a KV bucket. */
export function kvStreamName(bucket: string): string {
  return `KV_${bucket}`;
}

/** Opens a KV bucket: created with `replication.replicas` when missing, raised when it has fewer (`ensureReplicas`). */
export function openKvBucket(js: JetStreamClient, bucket: string, options: Partial<KvOptions>, replication: StreamReplication): Promise<KV> {
  return openReplicated(js, kvStreamName(bucket), replication, () => js.views.kv(bucket, { ...options, replicas: replication.replicas }));
}

/**
 * Runs `open`, which creates `stream` with `replication.replicas` when it is missing, then
 * `ensureReplicas` on it. That also asks the stream itself for its info, so on a fresh cluster
 * this fails (transiently: retry it) until the stream has a leader, rather than the first watch.
 */
export async function openReplicated<T>(js: JetStreamClient, stream: string, replication: StreamReplication, open: () => Promise<T>): Promise<T> {
  const opened = await open();
  await ensureReplicas(await js.jetstreamManager(false), stream, replication);
  return opened;
}

export type ReplicasOutcome = "kept" | "raised" | "higher";

/**
 * Gives an existing stream at least `replicas` replicas. One with fewer (made before the setting,
 * or by a process without it) is raised in place, which JetStream allows, and this waits until
 * its new peers have caught up. One with more is left as it is, with a warning: lowering would
 * silently drop redundancy someone chose. Several replicas of a service may run this at once: the
 * raise is an update to the same config, so whichever lands second changes nothing.
 */
export async function ensureReplicas(jsm: JetStreamManager, stream: string, replication: StreamReplication, settleMs = 30_000): Promise<ReplicasOutcome> {
  const { replicas, log } = replication;
  const info = await jsm.streams.info(stream);
  const have = info.config.num_replicas;
  if (have > replicas) {
    log.warn({ stream, replicas: have, wanted: replicas }, "stream has more replicas than CLAWDBOT_JS_REPLICAS asks for: left as is (lower it by hand if that is meant)");
    return "higher";
  }
  if (have === replicas) return "kept";
  try {
    await jsm.streams.update(stream, { num_replicas: replicas });
  } catch (err) {
    // Another replica of the service may have raised it a moment ago; only then is this fine.
    const now = await jsm.streams.info(stream).catch(() => undefined);
    if (!now || now.config.num_replicas < replicas) throw err;
  }
  log.info({ stream, from: have, to: replicas }, "raised stream replicas");
  await settle(jsm, stream, replicas, log, settleMs);
  return "raised";
}

/**
 * Waits until a raised stream has a leader and every new peer is current. Until then its API can
 * answer 503; a stream that takes longer (a large one catching up) still works, so a timeout is
 * a warning, not a failure.
 */
async function settle(jsm: JetStreamManager, stream: string, replicas: number, log: Logger, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let cluster: StreamInfo["cluster"];
  for (;;) {
    cluster = (await jsm.streams.info(stream).catch(() => undefined))?.cluster;
    const peers = cluster?.replicas ?? [];
    if (cluster?.leader && peers.length === replicas - 1 && peers.every((p) => p.current)) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  log.warn({ stream, replicas, cluster }, "raised stream has not caught up on every node yet; going on");
}
