import type { GatewayBeacon } from "@clawdbot/discovery";
import { describe, expect, test } from "vitest";
import { beaconLines, beaconWsUrl, dedupeBeacons, discoverJson, discoverLines, pickBeaconHost, sortBeacons } from "./beacons.js";

const lan: GatewayBeacon = {
  instanceName: "studio (Clawdbot)",
  domain: "local.",
  displayName: "studio",
  host: "studio.local",
  port: 18789,
  lanHost: "studio.local",
  gatewayPort: 18789,
  role: "gateway",
  transport: "gateway",
  txt: { role: "gateway" },
};

describe("beacon rendering", () => {
  test("the host to dial: tailnet name, then LAN name, then SRV target", () => {
    expect(pickBeaconHost(lan)).toBe("studio.local");
    expect(pickBeaconHost({ ...lan, tailnetDns: "studio.tail.ts.net" })).toBe("studio.tail.ts.net");
    expect(pickBeaconHost({ instanceName: "x", domain: "local.", host: "h.local", txt: {} })).toBe("h.local");
    expect(pickBeaconHost({ instanceName: "x", domain: "local.", txt: {} })).toBeNull();
  });

  test("wsUrl: ws://, wss:// for a TLS gateway, the default port without gatewayPort", () => {
    expect(beaconWsUrl(lan)).toBe("ws://studio.local:18789");
    expect(beaconWsUrl({ ...lan, gatewayTls: true, gatewayPort: 443 })).toBe("wss://studio.local:443");
    expect(beaconWsUrl({ instanceName: "x", domain: "local.", host: "h.local", txt: {} })).toBe("ws://h.local:18789");
    expect(beaconWsUrl({ ...lan, lanHost: "fd00::5" })).toBe("ws://[fd00::5]:18789");
  });

  test("human lines, as the original prints them", () => {
    expect(beaconLines({ ...lan, tailnetDns: "studio.tail.ts.net", gatewayTls: true, gatewayTlsFingerprintSha256: "AB:CD", sshPort: 22 })).toEqual([
      "- studio local.",
      "  tailnet: studio.tail.ts.net",
      "  lan: studio.local",
      "  host: studio.local",
      "  ws: wss://studio.tail.ts.net:18789",
      "  role: gateway",
      "  transport: gateway",
      "  tls: sha256 AB:CD",
      "  ssh: ssh -N -L 18789:127.0.0.1:18789 <user>@studio.tail.ts.net -p 22",
    ]);
    expect(discoverLines(["local.", "clawdbot.internal."], [])).toEqual(["Gateway Discovery", "Found 0 gateway(s) · domains: local., clawdbot.internal."]);
  });

  test("one gateway seen under several service types counts once; sorted by name", () => {
    const other = { ...lan, instanceName: "attic (Clawdbot)", displayName: "attic", gatewayPort: 18790 };
    const beacons = sortBeacons(dedupeBeacons([lan, { ...lan }, other, { ...lan, domain: "clawdbot.internal." }]));
    expect(beacons.map((b) => `${b.displayName} ${b.domain}`)).toEqual(["attic local.", "studio local.", "studio clawdbot.internal."]);
  });

  test("--json: the beacons with wsUrl", () => {
    expect(discoverJson(2000, ["local."], [lan])).toEqual({ timeoutMs: 2000, domains: ["local."], count: 1, beacons: [{ ...lan, wsUrl: "ws://studio.local:18789" }] });
  });
});
