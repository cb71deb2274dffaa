import type { NatsConnection } from "nats";

/**
 * A safety net, a no-op when every app does its job: the launcher gives every app
 * CLAWDBOT_JS_REPLICAS, and each creates its buckets and streams with that many replicas (raising
 * older ones) itself. A stream made by a process that does not read the setting — today the edge's
 * presence and devices buckets, until the edge passes `jsReplicas` on — would otherwise sit on one
 * node, where one node's restart takes it away; JetStream can raise it in place, so this does.
 */
export async function raiseReplicas(nc: NatsConnection, prefix: string, replicas: number): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const raised: string[] = [];
  for await (const info of jsm.streams.list()) {
    const { name } = info.config;
    if (!ownedBy(name, prefix) || info.config.num_replicas >= replicas) continue;
    await jsm.streams.update(name, { ...info.config, num_replicas: replicas });
    raised.push(name);
  }
  // A raised stream elects a leader and catches up its new peers; until then its API answers 503.
  const deadline = Date.now() + 30_000;
  for (const name of raised) {
    for (;;) {
      const cluster = (await jsm.streams.info(name).catch(() => undefined))?.cluster;
      const peers = cluster?.replicas ?? [];
      if (cluster?.leader && peers.length === replicas - 1 && peers.every((p) => p.current)) break;
      if (Date.now() > deadline) throw new Error(`stream ${name} did not settle with ${replicas} replicas: ${JSON.stringify(cluster)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return raised;
}

/** KV buckets (`KV_<prefix>_…`), object stores and plain streams (`<prefix>_…`) of one deployment. */
function ownedBy(stream: string, prefix: string): boolean {
  return [`KV_${prefix}_`, `OBJ_${prefix}_`, `${prefix}_`].some((start) => stream.startsWith(start));
}

/** Every stream of the deployment with fewer than `replicas` replicas, by name (empty when all are raised). */
export async function underReplicated(nc: NatsConnection, prefix: string, replicas: number): Promise<Record<string, number>> {
  const jsm = await nc.jetstreamManager();
  const found: Record<string, number> = {};
  for await (const info of jsm.streams.list()) {
    if (ownedBy(info.config.name, prefix) && info.config.num_replicas < replicas) found[info.config.name] = info.config.num_replicas;
  }
  return found;
}
