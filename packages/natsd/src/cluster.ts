import { NatsServer, type NatsServerOptions } from "./server.js";

export interface NatsClusterOptions extends Omit<NatsServerOptions, "cluster" | "serverName" | "storeDir" | "port"> {
  size?: number;
  name?: string;
}

/** A JetStream cluster of real nats-servers on loopback, formed and with a meta leader. */
export class NatsCluster {
  readonly servers: NatsServer[];

  private constructor(servers: NatsServer[]) {
    this.servers = servers;
  }

  /**
   * Starts every member with a free cluster port, learns the ports, restarts each member with
   * routes to the others, then waits until all agree on one JetStream meta leader.
   */
  static async start(options: NatsClusterOptions = {}): Promise<NatsCluster> {
    const size = options.size ?? 3;
    const name = options.name ?? "clawdbot-test";
    const servers: NatsServer[] = [];
    try {
      // JetStream refuses to start a clustered server without routes, and routes need ports we
      // only learn by starting: so first start plain servers to claim cluster ports, then start
      // the real members on those ports with routes to each other.
      const clusterPorts: number[] = [];
      for (let i = 0; i < size; i++) {
        const probe = await NatsServer.start({ jetstream: false, cluster: { name } });
        clusterPorts.push(probe.clusterPort!);
        await probe.stop();
      }
      const routes = clusterPorts.map((port) => `nats-route://127.0.0.1:${port}`);
      const started = await Promise.allSettled(
        clusterPorts.map((port, i) =>
          NatsServer.start({
            ...options,
            serverName: `${name}-${i + 1}`,
            cluster: { name, port, routes: routes.filter((_, j) => j !== i) },
          }),
        ),
      );
      for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
      const failed = started.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
      const cluster = new NatsCluster(servers);
      await cluster.waitFormed();
      return cluster;
    } catch (err) {
      await Promise.all(servers.map((s) => s.stop()));
      throw err;
    }
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Resolves when every running member reports the same JetStream meta leader. */
  async waitFormed(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leaders = await Promise.all(
        this.servers.filter((s) => s.running).map(async (s) => {
          try {
            const jsz = (await s.jsz()) as { meta_cluster?: { leader?: string } };
            return jsz.meta_cluster?.leader ?? "";
          } catch {
            return "";
          }
        }),
      );
      if (leaders.length > 0 && leaders[0] && leaders.every((l) => l === leaders[0])) return;
      if (Date.now() > deadline) throw new Error(`JetStream cluster did not form in time (leaders: ${leaders.join(",")})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export function startNatsCluster(options?: NatsClusterOptions): Promise<NatsCluster> {
  return NatsCluster.start(options);
}
