import type { AnyHelloOk, GatewayClient } from "@clawdbot/protocol";
import { type ConnectionSettings, resolveConnection } from "./connection-settings.js";
import { openGateway } from "./gateway-connection.js";
import type { CliIo } from "./io.js";
import { type ConnectionOptions, DEFAULT_RPC_TIMEOUT_MS, parseTimeoutMs } from "./options.js";

export interface GatewaySession {
  client: GatewayClient;
  hello: AnyHelloOk;
  settings: ConnectionSettings;
  timeoutMs: number;
}

/** Connects with the command's flags, runs `fn`, and always closes the connection. */
export async function withGateway<T>(opts: ConnectionOptions, io: CliIo, fn: (session: GatewaySession) => Promise<T>, defaultTimeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<T> {
  const timeoutMs = parseTimeoutMs(opts.timeout, defaultTimeoutMs);
  const settings = resolveConnection(opts, io.env);
  const { client, hello } = await openGateway(settings, { timeoutMs });
  try {
    return await fn({ client, hello, settings, timeoutMs });
  } finally {
    client.close();
  }
}
