import { execFile } from "node:child_process";
import { hostname } from "node:os";

// How a gateway names itself on the network (subsystems §C.1): the machine's name for people,
// the host's first label for DNS.

const SUFFIX = " (Clawdbot)";
const BRAND = /clawdbot|moltbot|openclaw/i;

/** The host's first label, without `.local`: `Mac.localdomain` → `Mac`. */
export function hostLabel(name: string = hostname()): string {
  const label = name.replace(/\.local\.?$/i, "").split(".")[0]?.trim() ?? "";
  return dnsLabel(label, "clawdbot", { keepCase: true });
}

/**
 * A DNS label: letters, digits and dashes, at most 63 bytes. Names a person reads (instances)
 * keep their case; zone file labels are lower-cased as the original writes them.
 */
export function dnsLabel(raw: string, fallback: string, options: { keepCase?: boolean } = {}): string {
  const text = options.keepCase ? raw.trim() : raw.trim().toLowerCase();
  const cleaned = text.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+/, "").replace(/-+$/, "");
  const out = cleaned || fallback;
  return out.slice(0, 63);
}

/**
 * The instance name: the machine name plus ` (Clawdbot)`, unless it already names the project.
 * Instance labels may hold spaces and parentheses, but not dots, which would split the label.
 */
export function formatInstanceName(machineName: string): string {
  const name = machineName.trim().replace(/\s+/g, " ").replaceAll(".", "-");
  if (!name) return "Clawdbot";
  const full = BRAND.test(name) ? name : `${name}${SUFFIX}`;
  return truncateUtf8(full, 63);
}

/** The TXT `displayName`: the instance name without the suffix (and without a conflict's ` (2)`). */
export function displayNameOf(instanceName: string): string {
  const normalized = instanceName.trim().replace(/\s+/g, " ");
  return normalized.replace(/\s+\(\d+\)$/, "").replace(/\s+\(Clawdbot\)$/i, "").trim() || normalized;
}

/**
 * The machine's name as a person set it: the ComputerName (then LocalHostName) on macOS, the
 * hostname's first label elsewhere.
 */
export async function machineDisplayName(platform: NodeJS.Platform = process.platform): Promise<string> {
  if (platform === "darwin") {
    for (const key of ["ComputerName", "LocalHostName"]) {
      const value = await run("scutil", ["--get", key]);
      if (value) return value;
    }
  }
  return hostLabel();
}

function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 1_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
