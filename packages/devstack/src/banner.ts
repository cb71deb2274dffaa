import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_GATEWAY_PORT } from "@clawdbot/protocol";
import type { GatewayToken } from "./token.js";

export interface BannerInfo {
  url: string;
  token: GatewayToken;
  stateDir: string;
  natsUrl: string;
  natsStarted: boolean;
}

/** The ws:// URL a local client should use, from the edge's "listening" line. */
export function edgeUrl(record: Record<string, unknown>): string | undefined {
  const port = record.port;
  if (typeof port !== "number") return undefined;
  const bind = typeof record.bind === "string" ? record.bind : "127.0.0.1";
  // A wildcard bind is reachable on loopback; a literal IPv6 address needs brackets in a URL.
  const host = bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind.includes(":") ? `[${bind}]` : bind;
  return `ws://${host}:${port}`;
}

/**
 * What a developer needs once the edge is up: where to connect, with what, and a command that
 * works as printed, so only the flags that differ from `examples/call.mjs`'s defaults appear.
 */
export function formatBanner(info: BannerInfo): string {
  const command = ["pnpm call sessions.list"];
  if (info.url !== `ws://127.0.0.1:${DEFAULT_GATEWAY_PORT}`) command.push(`--url ${info.url}`);
  let envPrefix = "";
  if (!info.token.file) command.push(`--token ${info.token.token}`);
  else if (info.stateDir !== join(homedir(), ".clawdbot")) envPrefix = `CLAWDBOT_STATE_DIR=${info.stateDir} `;
  const tokenFrom = info.token.file
    ? `${info.token.file}${info.token.created ? " (created now, mode 0600)" : ""}`
    : "CLAWDBOT_GATEWAY_TOKEN (not stored)";
  const nats = `${info.natsUrl}${info.natsStarted ? " (started by pnpm dev)" : " (already running)"}`;
  return [
    "",
    "  Clawdbot Gateway is up",
    `  URL:        ${info.url}`,
    `  Token:      ${info.token.token}`,
    `  Token from: ${tokenFrom}`,
    `  NATS:       ${nats}`,
    `  Try:        ${envPrefix}${command.join(" ")}`,
    "",
  ].join("\n");
}
