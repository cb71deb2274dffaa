import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { DiscoveryLog } from "./log.js";

// The Tailscale CLI, as the original drives it (subsystems §C.3): found on PATH, asked for its
// status (MagicDNS name, tailnet addresses), and told to serve or funnel the gateway's port.

export type TailscaleMode = "off" | "serve" | "funnel";
export const TAILSCALE_MODES: readonly TailscaleMode[] = ["off", "serve", "funnel"];

export class TailscaleConfigError extends Error {
  override readonly name = "TailscaleConfigError";
}

/**
 * The original's startup refusals (subsystems §A.8): funnel puts the gateway on the public
 * internet, so only behind a password; serve and funnel proxy to loopback, so the gateway must
 * listen there and nowhere else.
 */
export function checkTailscaleExposure(options: { mode: TailscaleMode; loopbackBind: boolean; authMode: "token" | "password" }): void {
  if (options.mode === "funnel" && options.authMode !== "password") {
    throw new TailscaleConfigError("tailscale funnel requires gateway auth mode=password (set gateway.auth.password or CLAWDBOT_GATEWAY_PASSWORD)");
  }
  if (options.mode !== "off" && !options.loopbackBind) {
    throw new TailscaleConfigError("tailscale serve/funnel requires gateway bind=loopback (127.0.0.1)");
  }
}

const MAC_APP_BINARY = "/Applications/Tailscale.app/Contents/MacOS/Tailscale";

/** The `tailscale` binary on PATH (or the macOS app's), checked with `--version`; undefined if none works. */
export async function findTailscaleBinary(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  const names = platform === "win32" ? ["tailscale.exe", "tailscale"] : ["tailscale"];
  const candidates = (env.PATH ?? "").split(delimiter).filter(Boolean).flatMap((dir) => names.map((name) => join(dir, name)));
  if (platform === "darwin") candidates.push(MAC_APP_BINARY);
  for (const candidate of candidates) {
    if (!(await isExecutable(candidate))) continue;
    try {
      await runTailscale(candidate, ["--version"], { timeoutMs: 3_000, env });
      return candidate;
    } catch {
      // present but broken: try the next one
    }
  }
  return undefined;
}

export interface TailscaleStatus {
  backendState?: string;
  /** MagicDNS name without the trailing dot, e.g. `studio.tail1234.ts.net`. */
  dnsName?: string;
  /** This node's tailnet addresses. */
  ips: string[];
  /** Peers' tailnet addresses (for finding a wide-area DNS server). */
  peerIps: string[];
}

/** `tailscale status --json`, reduced to what discovery uses. */
export async function readTailscaleStatus(bin: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<TailscaleStatus> {
  const { stdout } = await runTailscale(bin, ["status", "--json"], { timeoutMs: options.timeoutMs ?? 1_500, env: options.env });
  const parsed = parseNoisyJson(stdout) as {
    BackendState?: unknown;
    Self?: { DNSName?: unknown; TailscaleIPs?: unknown };
    Peer?: Record<string, { TailscaleIPs?: unknown }>;
  };
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.length > 0) : []);
  const status: TailscaleStatus = { ips: strings(parsed.Self?.TailscaleIPs), peerIps: Object.values(parsed.Peer ?? {}).flatMap((p) => strings(p?.TailscaleIPs)) };
  if (typeof parsed.BackendState === "string") status.backendState = parsed.BackendState;
  const dns = typeof parsed.Self?.DNSName === "string" ? parsed.Self.DNSName.replace(/\.$/, "") : "";
  if (dns) status.dnsName = dns;
  return status;
}

/** What goes into TXT `tailnetDns`: the MagicDNS name, else the first tailnet address. */
export function tailnetDnsOf(status: TailscaleStatus): string | undefined {
  return status.dnsName ?? status.ips[0];
}

export interface ExposeOptions {
  bin: string;
  mode: Exclude<TailscaleMode, "off">;
  port: number;
  log?: DiscoveryLog;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** `tailscale serve|funnel --bg --yes <port>`; retried through `sudo -n` on a permission error. */
export async function enableTailscaleExposure(options: ExposeOptions): Promise<void> {
  await runWithSudoFallback(options.bin, [options.mode, "--bg", "--yes", String(options.port)], options);
}

/** `tailscale serve|funnel reset`: host-global, it removes every serve/funnel config on the machine. */
export async function resetTailscaleExposure(options: Omit<ExposeOptions, "port">): Promise<void> {
  await runWithSudoFallback(options.bin, [options.mode, "reset"], options);
}

async function runWithSudoFallback(bin: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; log?: DiscoveryLog }): Promise<void> {
  const run = { timeoutMs: options.timeoutMs ?? 15_000, env: options.env };
  try {
    await runTailscale(bin, args, run);
  } catch (err) {
    if (!isPermissionDenied(err)) throw err;
    options.log?.debug({ args }, "tailscale: permission denied; retrying with sudo -n");
    try {
      await runTailscale("sudo", ["-n", bin, ...args], run);
    } catch {
      throw err; // the original error says what was wrong; sudo's says only that it could not help
    }
  }
}

export class TailscaleCommandError extends Error {
  override readonly name = "TailscaleCommandError";
  readonly stdout: string;
  readonly stderr: string;
  readonly code: string | number | undefined;

  constructor(message: string, details: { stdout: string; stderr: string; code: string | number | undefined }) {
    super(message);
    this.stdout = details.stdout;
    this.stderr = details.stderr;
    this.code = details.code;
  }
}

function runTailscale(bin: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv | undefined }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: options.timeoutMs, maxBuffer: 1_000_000, env: options.env ?? process.env }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const code = (err as { code?: string | number }).code;
      const detail = stderr.trim() || stdout.trim() || err.message;
      reject(new TailscaleCommandError(`${bin} ${args.join(" ")} failed: ${detail}`, { stdout, stderr, code }));
    });
  });
}

function isPermissionDenied(err: unknown): boolean {
  if (!(err instanceof TailscaleCommandError)) return false;
  if (String(err.code).toUpperCase() === "EACCES") return true;
  const text = `${err.stdout}\n${err.stderr}\n${err.message}`.toLowerCase();
  return ["permission denied", "access denied", "operation not permitted", "requires root", "must be run as root"].some((s) => text.includes(s));
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Status output may carry warnings before the JSON; parse from the first brace. */
function parseNoisyJson(text: string): unknown {
  const start = text.indexOf("{");
  if (start === -1) throw new Error("tailscale status printed no JSON");
  return JSON.parse(text.slice(start));
}
