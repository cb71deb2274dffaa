import type { NatsNames } from "@clawdbot/protocol";
import type { RegistryView, RpcClient } from "@clawdbot/nats-rpc";
import type { Logger } from "pino";
import type { EdgeConfig } from "./config.js";

/** What every connection on this edge shares. */
export interface EdgeContext {
  config: EdgeConfig;
  log: Logger;
  names: NatsNames;
  rpc: RpcClient;
  registry: RegistryView;
  startedAt: number;
  /** Hands out request ids unique across edges: `<edgeId>-<n>`. */
  nextRequestId: () => string;
}
