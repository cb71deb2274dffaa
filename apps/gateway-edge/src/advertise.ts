import {
  GatewayAdvertiser, MDNS_MODES, type MdnsMode, TAILSCALE_MODES, type TailscaleMode, type TailscaleStatus, DEFAULT_WIDE_AREA_DOMAIN, assertNoSecrets,
  buildGatewayTxt, checkTailscaleExposure, displayNameOf, enableTailscaleExposure, findTailscaleBinary, formatInstanceName, hostLabel, isTailnetIPv4,
  machineDisplayName, readTailscaleStatus, resetTailscaleExposure, tailnetAddresses, tailnetDnsOf, writeWideAreaZone,
} from "@clawdbot/discovery";
import type { Logger } from "pino";
import { EdgeConfigError, isLoopbackBind } from "./config.js";

// How an edge makes itself findable (subsystems §C): mDNS / DNS-SD on the LAN, Tailscale
// serve/funnel and the MagicDNS name, and the wide-area zone for the tailnet. Settings come
// from the environment (the original's config keys in brackets):
//
//   CLAWDBOT_DISCOVERY_MDNS_MODE    off | minimal | full   [discovery.mdns.mode]   default minimal,
//                                   but off under a test runner (NODE_ENV=test or VITEST) unless set
//   CLAWDBOT_DISABLE_BONJOUR=1      no mDNS, whatever the mode
//   CLAWDBOT_MDNS_INTERFACE         IPv4 address of the one interface to advertise on (default: all)
//   CLAWDBOT_MDNS_PORT              UDP port for mDNS (default 5353; tests use their own)
//   CLAWDBOT_ADVERTISE_PORT         the port clients should dial, when it is not the edge's own:
//                                   a load balancer's in front of several edges (mDNS and the zone)
//   CLAWDBOT_SSH_PORT, CLAWDBOT_CLI_PATH   TXT sshPort (default 22) and cliPath, full mode only
//   CLAWDBOT_TAILSCALE_MODE         off | serve | funnel   [gateway.tailscale.mode]   default off
//   CLAWDBOT_TAILSCALE_RESET_ON_EXIT=1                     [gateway.tailscale.resetOnExit]
//   CLAWDBOT_TAILNET_DNS            the MagicDNS name to advertise, instead of asking tailscale
//   CLAWDBOT_DISCOVERY_WIDE_AREA=1  write the wide-area zone  [discovery.wideArea.enabled]
//   CLAWDBOT_WIDE_AREA_DOMAIN       its domain (default clawdbot.internal.)

export interface AdvertiseSettings {
  mdnsMode: MdnsMode;
  mdnsInterface: string | undefined;
  mdnsPort: number | undefined;
  /** Advertised instead of the edge's listening port (a load balancer's port). */
  advertisePort: number | undefined;
  sshPort: number | undefined;
  cliPath: string | undefined;
  tailscaleMode: TailscaleMode;
  tailscaleResetOnExit: boolean;
  tailnetDns: string | undefined;
  wideAreaDomain: string | undefined;
}

/** What the edge tells this module about itself. */
export interface AdvertisedEdge {
  bind: string;
  authMode: "token" | "password";
  /** Values that must never reach a TXT record or the zone file (the token, the password). */
  secrets: readonly (string | undefined)[];
  stateDir: string;
}

export interface Advertising {
  /** Goodbye records, then `tailscale serve|funnel reset` when resetOnExit is set. */
  stop(): Promise<void>;
}

const truthy = (value: string | undefined) => value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());

export function readAdvertiseSettings(env: NodeJS.ProcessEnv = process.env): AdvertiseSettings {
  const underTest = env.NODE_ENV === "test" || env.VITEST !== undefined;
  const mdnsMode = oneOf(env, "CLAWDBOT_DISCOVERY_MDNS_MODE", MDNS_MODES, underTest ? "off" : "minimal");
  return {
    mdnsMode: truthy(env.CLAWDBOT_DISABLE_BONJOUR) ? "off" : mdnsMode,
    mdnsInterface: env.CLAWDBOT_MDNS_INTERFACE?.trim() || undefined,
    mdnsPort: portSetting(env, "CLAWDBOT_MDNS_PORT"),
    advertisePort: portSetting(env, "CLAWDBOT_ADVERTISE_PORT"),
    sshPort: portSetting(env, "CLAWDBOT_SSH_PORT"),
    cliPath: env.CLAWDBOT_CLI_PATH?.trim() || undefined,
    tailscaleMode: oneOf(env, "CLAWDBOT_TAILSCALE_MODE", TAILSCALE_MODES, "off"),
    tailscaleResetOnExit: truthy(env.CLAWDBOT_TAILSCALE_RESET_ON_EXIT),
    tailnetDns: env.CLAWDBOT_TAILNET_DNS?.trim() || undefined,
    wideAreaDomain: truthy(env.CLAWDBOT_DISCOVERY_WIDE_AREA) ? env.CLAWDBOT_WIDE_AREA_DOMAIN?.trim() || DEFAULT_WIDE_AREA_DOMAIN : undefined,
  };
}

/**
 * Reads and checks the settings before the edge connects to anything: the refusals the original
 * makes at startup (funnel without a password, serve/funnel off loopback) throw here. `start`,
 * once the port is known, never holds the edge up: what fails there (no tailscale binary, a busy
 * mDNS port) is logged and skipped.
 */
export function prepareAdvertising(edge: AdvertisedEdge, env: NodeJS.ProcessEnv = process.env): { start(port: number, log: Logger): Advertising } {
  const settings = readAdvertiseSettings(env);
  try {
    checkTailscaleExposure({ mode: settings.tailscaleMode, loopbackBind: isLoopbackBind(edge.bind), authMode: edge.authMode });
  } catch (err) {
    throw new EdgeConfigError((err as Error).message);
  }
  return { start: (port, log) => startAdvertising(settings, { ...edge, port }, log, env) };
}

function startAdvertising(settings: AdvertiseSettings, edge: AdvertisedEdge & { port: number }, log: Logger, env: NodeJS.ProcessEnv): Advertising {
  const started = start(settings, edge, log.child({ component: "discovery" }), env).catch((err: unknown): Started => {
    log.warn({ err }, "discovery: could not start");
    return {};
  });
  return {
    stop: async () => {
      const { advertiser, tailscale } = await started;
      await advertiser?.stop();
      if (tailscale && settings.tailscaleResetOnExit) {
        await resetTailscaleExposure({ bin: tailscale.bin, mode: tailscale.mode, env }).then(
          () => log.info({ mode: tailscale.mode }, "tailscale: reset on exit"),
          (err: unknown) => log.warn({ err }, "tailscale: reset failed"),
        );
      }
    },
  };
}

interface Started {
  advertiser?: GatewayAdvertiser;
  tailscale?: { bin: string; mode: "serve" | "funnel" };
}

async function start(settings: AdvertiseSettings, edge: AdvertisedEdge & { port: number }, log: Logger, env: NodeJS.ProcessEnv): Promise<Started> {
  const started: Started = {};
  let tailnetDns = settings.tailnetDns;
  let status: TailscaleStatus | undefined;
  if (settings.tailscaleMode !== "off") {
    const mode = settings.tailscaleMode;
    const bin = await findTailscaleBinary(env);
    if (!bin) {
      log.warn({ mode }, "tailscale: binary not found on PATH; not exposing the gateway");
    } else {
      status = await readTailscaleStatus(bin, { env }).catch((err: unknown) => {
        log.warn({ err }, "tailscale: status --json failed");
        return undefined;
      });
      if (status) tailnetDns ??= tailnetDnsOf(status);
      try {
        await enableTailscaleExposure({ bin, mode, port: edge.port, env, log });
        started.tailscale = { bin, mode };
        const host = status?.dnsName;
        log.info({ mode, port: edge.port, ...(host ? { url: `https://${host}/`, ws: `wss://${host}` } : {}) }, `tailscale: ${mode} enabled`);
      } catch (err) {
        log.warn({ err, mode }, `tailscale: ${mode} failed`);
      }
    }
  }

  // Behind a load balancer, clients should find the balancer, not this edge (Tailscale serve above
  // still points at the edge itself: it is one more proxy in front of it).
  const publicPort = settings.advertisePort ?? edge.port;
  const host = hostLabel();
  const instanceName = formatInstanceName(await machineDisplayName());
  const displayName = displayNameOf(instanceName);
  if (settings.mdnsMode !== "off") {
    const txt = buildGatewayTxt(
      { gatewayPort: publicPort, lanHost: `${host}.local`, displayName, tailnetDns, cliPath: settings.cliPath, sshPort: settings.sshPort },
      settings.mdnsMode,
    );
    assertNoSecrets(txt, edge.secrets);
    started.advertiser = GatewayAdvertiser.start({
      instanceName,
      hostLabel: host,
      port: publicPort,
      txt,
      socket: { interface: settings.mdnsInterface, port: settings.mdnsPort },
      log,
    });
  }

  if (settings.wideAreaDomain) {
    const local = tailnetAddresses();
    const tailnetIPv4 = local.v4 ?? status?.ips.find(isTailnetIPv4);
    if (!tailnetIPv4) {
      log.warn({ domain: settings.wideAreaDomain }, "wide-area discovery is on but this host has no tailnet IPv4; zone not written");
    } else {
      const zone = await writeWideAreaZone(edge.stateDir, {
        domain: settings.wideAreaDomain,
        gatewayPort: publicPort,
        displayName,
        tailnetIPv4,
        tailnetIPv6: local.v6 ?? status?.ips.find((ip) => ip.includes(":")),
        tailnetDns,
        sshPort: settings.sshPort,
        cliPath: settings.cliPath,
      });
      log.info({ ...zone, domain: settings.wideAreaDomain }, "wide-area zone written");
    }
  }
  return started;
}

function portSetting(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!(Number.isInteger(port) && port > 0 && port < 65_536)) throw new EdgeConfigError(`${name} must be a port number, not ${JSON.stringify(raw)}`);
  return port;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new EdgeConfigError(`${name} must be one of ${allowed.join(", ")}, not ${JSON.stringify(raw)}`);
  return raw as T;
}
