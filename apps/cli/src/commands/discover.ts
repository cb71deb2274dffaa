import { getServers } from "node:dns";
import { DEFAULT_WIDE_AREA_DOMAIN, type DiscoverOptions, LOCAL_DOMAIN, discoverGatewayBeacons, findTailscaleBinary, parseDnsServer } from "@clawdbot/discovery";
import type { Command } from "commander";
import { type CliConfigView, dig, readCliConfig } from "../config-file.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { Spinner } from "../chat/spinner.js";
import { dedupeBeacons, discoverJson, discoverLines, sortBeacons } from "../format/beacons.js";
import { styleFor } from "../format/style.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { labelled } from "../labelled.js";
import { parseTimeoutMs } from "../options.js";

interface DiscoverFlags {
  timeout?: string;
  json?: boolean;
}

/**
 * `clawdbot gateway discover`: browses `local.` over mDNS, and the wide-area domain when one is
 * configured, in-process. Environment: CLAWDBOT_MDNS_INTERFACE (browse on one interface),
 * CLAWDBOT_MDNS_PORT (another port than 5353, for tests),
 * CLAWDBOT_WIDE_AREA_DOMAIN (browse that domain too; also `discovery.wideArea` in the config),
 * CLAWDBOT_WIDE_AREA_DNS_SERVER (host[:port], comma-separated; default the system resolvers).
 */
export function registerDiscover(gateway: Command, io: CliIo): void {
  gateway
    .command("discover")
    .description("Discover gateways via Bonjour (local + wide-area if configured)")
    .option("--timeout <ms>", "Per-command timeout in ms", "2000")
    .option("--json", "Output JSON", false)
    .action(
      labelled("gateway discover failed", async (opts: DiscoverFlags) => {
        const timeoutMs = parseTimeoutMs(opts.timeout, 2_000);
        const wideArea = await wideAreaOptions(io.env);
        const domains = [LOCAL_DOMAIN, ...(wideArea ? [wideArea.domain] : [])];
        const socket = mdnsSocket(io.env);
        const spinner = new Spinner(io.stderr, { enabled: !opts.json && io.stderr.isTTY === true, label: "Scanning for gateways…" });
        spinner.start();
        let found;
        try {
          found = await discoverGatewayBeacons({ timeoutMs, socket, ...(wideArea ? { wideArea } : {}) });
        } finally {
          spinner.stop();
        }
        const beacons = sortBeacons(dedupeBeacons(found));
        if (opts.json) return writeJson(io.stdout, discoverJson(timeoutMs, domains, beacons));
        for (const line of discoverLines(domains, beacons, styleFor(io.stdout, io.env))) writeLine(io.stdout, line);
      }),
    );
}

function mdnsSocket(env: NodeJS.ProcessEnv): { interface?: string; port?: number } {
  const socket: { interface?: string; port?: number } = {};
  const iface = env.CLAWDBOT_MDNS_INTERFACE?.trim();
  if (iface) socket.interface = iface;
  const port = env.CLAWDBOT_MDNS_PORT?.trim();
  if (port) {
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535) throw new CliError(`CLAWDBOT_MDNS_PORT must be a port number, not ${JSON.stringify(port)}`, ExitCode.usage);
    socket.port = Number(port);
  }
  return socket;
}

async function wideAreaOptions(env: NodeJS.ProcessEnv): Promise<DiscoverOptions["wideArea"]> {
  let config: CliConfigView["config"] = {};
  try {
    config = readCliConfig(env).config;
  } catch {
    // Discovery needs no config; a broken file only means no wide-area domain from it.
  }
  const fromEnv = env.CLAWDBOT_WIDE_AREA_DOMAIN?.trim();
  const configured = dig(config, "discovery", "wideArea", "enabled") === true;
  if (!fromEnv && !configured) return undefined;
  const configDomain = dig(config, "discovery", "wideArea", "domain");
  const domain = fromEnv || (typeof configDomain === "string" && configDomain.trim() ? configDomain.trim() : DEFAULT_WIDE_AREA_DOMAIN);
  const serverList = env.CLAWDBOT_WIDE_AREA_DNS_SERVER?.split(",").map((s) => s.trim()).filter(Boolean) ?? getServers();
  const tailscaleBinary = await findTailscaleBinary(env);
  return { domain: domain.endsWith(".") ? domain : `${domain}.`, servers: serverList.map(parseDnsServer), ...(tailscaleBinary ? { tailscaleBinary } : {}) };
}
