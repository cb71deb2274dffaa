// What a rolling restart needs beyond the cluster harness and load.ts: a load made of several
// fleets (one method each) counted as one, and "stop one process gracefully, start it again with
// the same settings, wait until it is back in service" for a service replica, an edge and a
// NATS node. Nothing here changes the shared helpers; it composes them.
import { type AppName, AppProcess, type Cluster, type LogLine } from "@clawdbot/cluster";
import { RawClient, waitFor } from "@clawdbot/testkit";
import { type CallTally, Load, type LoadOptions } from "./load.js";

export interface FleetSpec {
  /** How many clients call `method`. */
  clients: number;
  method: string;
  params?: unknown;
}

function sumTallies(tallies: CallTally[]): CallTally {
  const sum: CallTally = { sent: 0, answered: 0, failedRetryable: 0, failedClosed: 0, failedOther: 0, lost: 0, unexpected: 0 };
  for (const tally of tallies) for (const key of Object.keys(sum) as (keyof CallTally)[]) sum[key] += tally[key];
  return sum;
}

/** Several load fleets through the same URL, started, stopped and counted together. */
export class LoadMix {
  readonly fleets: { method: string; load: Load }[];

  private constructor(fleets: { method: string; load: Load }[]) {
    this.fleets = fleets;
  }

  static async connect(specs: FleetSpec[], base: Omit<LoadOptions, "method" | "params">): Promise<LoadMix> {
    const fleets: { method: string; load: Load }[] = [];
    for (const spec of specs) {
      const options: LoadOptions = { ...base, method: spec.method, ...(spec.params === undefined ? {} : { params: spec.params }) };
      fleets.push({ method: spec.method, load: await Load.connect(spec.clients, options) });
    }
    return new LoadMix(fleets);
  }

  get clients(): Load["clients"] {
    return this.fleets.flatMap((f) => f.load.clients);
  }

  get tally(): CallTally {
    return sumTallies(this.fleets.map((f) => f.load.tally));
  }

  /** Each fleet's tally under its method. */
  byMethod(): Record<string, CallTally> {
    return Object.fromEntries(this.fleets.map((f) => [f.method, f.load.snapshot()]));
  }

  /** Error messages of every fleet, prefixed with the method. */
  errors(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { method, load } of this.fleets) for (const [key, n] of load.errors) out[`${method}: ${key}`] = n;
    return out;
  }

  /** Of `failedClosed`: calls sent after their client had its socket's `shutdown` event. */
  get closedAfterShutdown(): number {
    return this.fleets.reduce((n, f) => n + f.load.closedAfterShutdown, 0);
  }

  get handshakeRefusals(): number {
    return this.fleets.reduce((n, f) => n + f.load.handshakeRefusals, 0);
  }

  start(): void {
    for (const f of this.fleets) f.load.start();
  }

  /** Stops every fleet and waits for what is in flight (see `Load.stop`). */
  async stop(drainMs: number): Promise<CallTally> {
    return sumTallies(await Promise.all(this.fleets.map((f) => f.load.stop(drainMs))));
  }

  close(): void {
    for (const f of this.fleets) f.load.close();
  }
}

/**
 * Watches every process's log: which instance id each service replica announced in its ready
 * line (health lists replicas by instance id), and lines at error level or worse.
 */
export class ProcessWatch {
  readonly instanceIds = new Map<string, string>();
  readonly problems: { source: string; msg: string; err?: string }[] = [];

  readonly onLine = (source: string, line: LogLine): void => {
    if (typeof line.instanceId === "string" && typeof line.msg === "string" && line.msg.endsWith(" ready")) this.instanceIds.set(source, line.instanceId);
    if ((typeof line.level === "number" && line.level >= 50) || /unhandled|uncaught/i.test(String(line.msg))) {
      const err = line.err as { message?: string; stack?: string } | undefined;
      this.problems.push({ source, msg: String(line.msg), err: err?.stack?.split("\n").slice(0, 3).join(" | ") ?? err?.message });
    }
  };
}

/** What a graceful stop came to: the exit, and how long it took. */
export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stopMs: number;
}

/** SIGTERM, then the exit; SIGKILL only if the process outlives `graceMs` (then `signal` says so). */
async function stopGracefully(app: AppProcess, graceMs: number): Promise<StopResult> {
  const started = Date.now();
  const { code, signal } = await app.stop(graceMs);
  return { code, signal, stopMs: Date.now() - started };
}

/** The instance ids `health` on one edge lists for `app`. */
async function listedReplicas(cluster: Cluster, edgeIndex: number, app: AppName): Promise<string[]> {
  const { client, hello } = await RawClient.connect(cluster.edgeUrl(edgeIndex), { token: cluster.token });
  try {
    if (hello.ok !== true) return [];
    const res = await client.request("health", {}, 5_000);
    const services = (res.payload as { services?: Record<string, { replicas: { instanceId: string }[] }> } | undefined)?.services;
    return services?.[app]?.replicas.map((r) => r.instanceId) ?? [];
  } finally {
    client.close();
  }
}

/** Resolves once `health` on every running edge lists `instanceId` as a replica of `app`. */
export async function waitListedInHealth(cluster: Cluster, app: AppName, instanceId: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const running = cluster.edges.map((e, i) => (e.running ? i : -1)).filter((i) => i >= 0);
      const lists = await Promise.all(running.map((i) => listedReplicas(cluster, i, app)));
      return lists.every((ids) => ids.includes(instanceId));
    },
    { timeoutMs, intervalMs: 200, message: `health never listed ${app} instance ${instanceId} on every edge` },
  );
}

/**
 * Replica `name` of a service: SIGTERM, wait for the exit, start it again under the same name and
 * env (the cluster's app env), and wait until health on every edge lists its new instance. The
 * new process replaces the old in `cluster.services`, so `cluster.stop()` stops it.
 */
export async function restartService(cluster: Cluster, name: string, watch: ProcessWatch, graceMs = 30_000): Promise<StopResult & { instanceId: string; readyMs: number }> {
  const index = cluster.services.findIndex((s) => s.name === name);
  const old = cluster.services[index];
  if (!old) throw new Error(`no service named ${name}`);
  const stopped = await stopGracefully(old, graceMs);
  watch.instanceIds.delete(name);
  const started = Date.now();
  const fresh = await AppProcess.start({ repoRoot: cluster.repoRoot, app: old.app, name, env: cluster.appEnv(), onLine: watch.onLine, startTimeoutMs: 30_000 });
  cluster.services[index] = fresh;
  const instanceId = await waitFor(() => watch.instanceIds.get(name), { timeoutMs: 10_000, message: `${name} logged no instance id when ready` });
  await waitListedInHealth(cluster, old.app, instanceId);
  return { ...stopped, instanceId, readyMs: Date.now() - started };
}

async function edgeReady(cluster: Cluster, index: number): Promise<boolean> {
  const res = await fetch(`${cluster.edgeUrl(index).replace(/^ws:/, "http:")}/readyz`);
  return res.ok && ((await res.json()) as { ready?: boolean }).ready === true;
}

/**
 * Edge `index`: SIGTERM, wait for the exit, start it again on its port (`Cluster.startEdge`), and
 * wait until its `/readyz` says ready and HAProxy has it UP again.
 */
export async function restartEdge(cluster: Cluster, index: number, graceMs = 30_000): Promise<StopResult & { readyMs: number }> {
  const old = cluster.edges[index];
  if (!old) throw new Error(`no edge ${index}`);
  const stopped = await stopGracefully(old, graceMs);
  const started = Date.now();
  await cluster.startEdge(index);
  await waitFor(() => edgeReady(cluster, index), { timeoutMs: 30_000, intervalMs: 100, message: `edge-${index + 1} never reported ready` });
  await cluster.waitEdgesUp(30_000);
  return { ...stopped, readyMs: Date.now() - started };
}

/** Every NATS node answers `/healthz` 200: on a cluster member, its JetStream is current. */
async function natsHealthy(cluster: Cluster): Promise<boolean> {
  const answers = await Promise.all(cluster.nats.map((s) => fetch(`http://127.0.0.1:${s.monitoringPort}/healthz`).then((r) => r.ok, () => false)));
  return answers.every(Boolean);
}

/**
 * NATS node `index`: stopped (SIGTERM), started again on the same ports and store, and waited for
 * until the JetStream cluster has one meta leader again and every node is healthy (current), so
 * the next node may go without leaving a stream short of its quorum.
 */
export async function restartNatsNode(cluster: Cluster, index: number): Promise<{ stopMs: number; readyMs: number }> {
  const node = cluster.nats[index];
  if (!node) throw new Error(`no NATS node ${index}`);
  let started = Date.now();
  await node.halt();
  const stopMs = Date.now() - started;
  started = Date.now();
  await node.restart();
  await cluster.natsCluster?.waitFormed(30_000);
  await waitFor(() => natsHealthy(cluster), { timeoutMs: 30_000, intervalMs: 100, message: `NATS node ${index + 1} (or another) never became healthy again` });
  return { stopMs, readyMs: Date.now() - started };
}
