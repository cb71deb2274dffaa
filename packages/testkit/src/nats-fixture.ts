import { type NatsServer, type NatsServerOptions, startNatsServer } from "@clawdbot/natsd";
import { type ConnectionOptions, type NatsConnection, connect } from "nats";
import { afterAll, beforeAll } from "vitest";

export interface NatsFixtureOptions extends NatsServerOptions {
  /** Open the shared `nc` in beforeAll (default true); off for files that want only connections of their own. */
  sharedConnection?: boolean;
  /** End connections with `drain()` rather than `close()`, so what is in flight is delivered first. */
  drain?: boolean;
}

export interface NatsFixture {
  readonly server: NatsServer;
  readonly url: string;
  readonly nc: NatsConnection;
  /** Another connection to the server, ended in afterAll with the rest. */
  connect(options?: ConnectionOptions): Promise<NatsConnection>;
}

/**
 * One real nats-server for the calling test file (or describe block): started in beforeAll, and
 * stopped in afterAll once every connection made through the fixture has ended. A file's own
 * afterAll, registered after this call, runs before this one.
 */
export function useNatsServer(options: NatsFixtureOptions = {}): NatsFixture {
  const { sharedConnection = true, drain = false, ...serverOptions } = options;
  let server: NatsServer | undefined;
  let shared: NatsConnection | undefined;
  const connections: NatsConnection[] = [];

  const running = (): NatsServer => {
    if (!server) throw new Error("useNatsServer: the server is started in beforeAll; use it inside hooks and tests");
    return server;
  };
  const open = async (connectOptions: ConnectionOptions = {}): Promise<NatsConnection> => {
    const nc = await connect({ servers: running().url, ...connectOptions });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    server = await startNatsServer(serverOptions);
    if (sharedConnection) shared = await open();
  });
  afterAll(async () => {
    try {
      await Promise.all(connections.map((nc) => (drain ? nc.drain() : nc.close())));
    } finally {
      await server?.stop();
    }
  });

  return {
    get server() {
      return running();
    },
    get url() {
      return running().url;
    },
    get nc() {
      if (!shared) throw new Error(sharedConnection ? "useNatsServer: nc is opened in beforeAll; use it inside hooks and tests" : "useNatsServer: no shared connection (sharedConnection: false)");
      return shared;
    },
    connect: open,
  };
}
