import { DEFAULT_GATEWAY_PORT } from "@clawdbot/protocol";
import { readServiceEnv } from "@clawdbot/runtime";

/** What `pnpm dev` needs to know, read once; the apps get the same values through their env. */
export interface DevEnv {
  natsUrl: string;
  natsPrefix: string;
  /** Absolute: `~` already expanded, so every app and the token file agree on one directory. */
  stateDir: string;
  /** As a string because the edge parses it; "0" lets the OS pick. */
  gatewayPort: string;
  /** CLAWDBOT_GATEWAY_TOKEN when set; otherwise devstack keeps one in the state dir. */
  gatewayToken: string | undefined;
}

export class DevEnvError extends Error {
  override readonly name = "DevEnvError";
}

export function readDevEnv(env: NodeJS.ProcessEnv = process.env): DevEnv {
  // The services' own reader, so devstack can never disagree with them about defaults or aliases.
  const service = readServiceEnv(env);
  const rawPort = env.CLAWDBOT_GATEWAY_PORT || String(DEFAULT_GATEWAY_PORT);
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DevEnvError(`CLAWDBOT_GATEWAY_PORT must be a port number (0 picks a free one), not ${JSON.stringify(rawPort)}`);
  }
  return {
    natsUrl: service.natsUrl,
    natsPrefix: service.natsPrefix,
    stateDir: service.stateDir,
    gatewayPort: String(port),
    gatewayToken: env.CLAWDBOT_GATEWAY_TOKEN || undefined,
  };
}
