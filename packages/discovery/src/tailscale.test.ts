import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  TailscaleConfigError, checkTailscaleExposure, enableTailscaleExposure, findTailscaleBinary, readTailscaleStatus, resetTailscaleExposure, tailnetDnsOf,
} from "./tailscale.js";

// A stand-in `tailscale` on a temporary PATH: prints recorded status output and logs its argv.
function fakeTailscale(options: { status?: string; denyServe?: boolean; broken?: boolean } = {}): { dir: string; bin: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "fake-tailscale-"));
  const log = join(dir, "calls.log");
  const status = join(dir, "status.json");
  writeFileSync(status, options.status ?? "{}");
  const bin = join(dir, "tailscale");
  writeFileSync(
    bin,
    `#!/bin/sh
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
${options.broken ? "exit 3" : ""}
case "$1" in
  --version) echo 1.76.6 ;;
  status) echo "Warning: client version differs" ; cat ${JSON.stringify(status)} ;;
  serve|funnel) ${options.denyServe ? 'echo "Access denied: serve config denied" >&2; exit 1' : "exit 0"} ;;
  *) exit 2 ;;
esac
`,
  );
  chmodSync(bin, 0o755);
  writeFileSync(log, "");
  return { dir, bin, calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

const STATUS = JSON.stringify({
  BackendState: "Running",
  Self: { DNSName: "studio.tail1234.ts.net.", TailscaleIPs: ["100.101.102.103", "fd7a:115c:a1e0::1"] },
  Peer: { "nodekey:1": { TailscaleIPs: ["100.64.0.7"] }, "nodekey:2": { TailscaleIPs: ["100.64.0.8", "fd7a:115c:a1e0::8"] } },
});

describe("tailscale CLI", () => {
  test("found on PATH and checked with --version", async () => {
    const fake = fakeTailscale();
    await expect(findTailscaleBinary({ PATH: `/nonexistent:${fake.dir}` }, "linux")).resolves.toBe(fake.bin);
    expect(fake.calls()).toEqual(["--version"]);
    await expect(findTailscaleBinary({ PATH: "/nonexistent" }, "linux")).resolves.toBeUndefined();
    const broken = fakeTailscale({ broken: true });
    await expect(findTailscaleBinary({ PATH: broken.dir }, "linux")).resolves.toBeUndefined();
  });

  test("status --json gives the MagicDNS name without its dot, own and peer addresses (noise before the JSON is skipped)", async () => {
    const fake = fakeTailscale({ status: STATUS });
    const status = await readTailscaleStatus(fake.bin);
    expect(status).toEqual({ backendState: "Running", dnsName: "studio.tail1234.ts.net", ips: ["100.101.102.103", "fd7a:115c:a1e0::1"], peerIps: ["100.64.0.7", "100.64.0.8", "fd7a:115c:a1e0::8"] });
    expect(tailnetDnsOf(status)).toBe("studio.tail1234.ts.net");
    expect(tailnetDnsOf({ ips: ["100.1.2.3"], peerIps: [] })).toBe("100.1.2.3");
    expect(fake.calls()).toEqual(["status --json"]);
  });

  test("serve and funnel are invoked as the original does; reset undoes them", async () => {
    const fake = fakeTailscale();
    await enableTailscaleExposure({ bin: fake.bin, mode: "serve", port: 18789 });
    await enableTailscaleExposure({ bin: fake.bin, mode: "funnel", port: 18790 });
    await resetTailscaleExposure({ bin: fake.bin, mode: "serve" });
    expect(fake.calls()).toEqual(["serve --bg --yes 18789", "funnel --bg --yes 18790", "serve reset"]);
  });

  test("a refused serve fails with the CLI's own words (after trying sudo -n)", async () => {
    const fake = fakeTailscale({ denyServe: true });
    await expect(enableTailscaleExposure({ bin: fake.bin, mode: "serve", port: 1, env: { PATH: fake.dir } })).rejects.toThrow(/Access denied: serve config denied/);
  });
});

describe("checkTailscaleExposure (the original's startup refusals)", () => {
  test("funnel needs password auth; serve and funnel need a loopback bind", () => {
    expect(() => checkTailscaleExposure({ mode: "funnel", loopbackBind: true, authMode: "token" })).toThrow(
      new TailscaleConfigError("tailscale funnel requires gateway auth mode=password (set gateway.auth.password or CLAWDBOT_GATEWAY_PASSWORD)"),
    );
    expect(() => checkTailscaleExposure({ mode: "serve", loopbackBind: false, authMode: "token" })).toThrow("tailscale serve/funnel requires gateway bind=loopback (127.0.0.1)");
    expect(() => checkTailscaleExposure({ mode: "funnel", loopbackBind: true, authMode: "password" })).not.toThrow();
    expect(() => checkTailscaleExposure({ mode: "serve", loopbackBind: true, authMode: "token" })).not.toThrow();
    expect(() => checkTailscaleExposure({ mode: "off", loopbackBind: false, authMode: "token" })).not.toThrow();
  });
});
