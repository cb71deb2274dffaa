import { describe, expect, test } from "vitest";
import { RecordCache } from "./browser.js";

const types = ["_clawdbot-gw._tcp", "_moltbot-gw._tcp"];
const ptr = (type: string, instance: string, ttl = 4500) => ({ name: `${type}.local`, type: "PTR" as const, ttl, data: `${instance}.${type}.local` });
const srv = (type: string, instance: string, port: number, ttl = 120) => ({ name: `${instance}.${type}.local`, type: "SRV" as const, ttl, data: { port, target: "studio.local" } });
const txt = (type: string, instance: string, data: string[]) => ({ name: `${instance}.${type}.local`, type: "TXT" as const, ttl: 4500, data: data.map((d) => Buffer.from(d)) });

describe("RecordCache", () => {
  test("builds beacons from PTR, SRV and TXT, asking for what is missing", () => {
    const cache = new RecordCache(types);
    expect(cache.add([ptr(types[0]!, "studio (Clawdbot)")])).toEqual(["studio (Clawdbot)._clawdbot-gw._tcp.local"]);
    expect(cache.beacons("local.")).toEqual([]);
    const missing = cache.add([srv(types[0]!, "studio (Clawdbot)", 18789), txt(types[0]!, "studio (Clawdbot)", ["role=gateway", "gatewayPort=18789", "lanHost=studio.local", "displayName=studio", "gatewayTls=1", "gatewayTlsSha256=AA"])]);
    expect(missing).toEqual([]);
    expect(cache.beacons("local.")).toEqual([
      {
        instanceName: "studio (Clawdbot)",
        domain: "local.",
        displayName: "studio",
        host: "studio.local",
        port: 18789,
        lanHost: "studio.local",
        gatewayPort: 18789,
        gatewayTls: true,
        gatewayTlsFingerprintSha256: "AA",
        role: "gateway",
        txt: { role: "gateway", gatewayPort: "18789", lanHost: "studio.local", displayName: "studio", gatewayTls: "1", gatewayTlsSha256: "AA" },
      },
    ]);
  });

  test("a goodbye (TTL 0) removes the instance; other types and domains are ignored", () => {
    const cache = new RecordCache(types);
    cache.add([ptr(types[0]!, "a"), srv(types[0]!, "a", 1), ptr(types[1]!, "a"), srv(types[1]!, "a", 1), ptr("_http._tcp", "web"), srv("_http._tcp", "web", 80)]);
    expect(cache.beacons("local.").map((b) => b.instanceName)).toEqual(["a", "a"]);
    cache.add([ptr(types[0]!, "a", 0)]);
    expect(cache.beacons("local.")).toHaveLength(1);
    cache.add([srv(types[1]!, "a", 1, 0)]);
    expect(cache.beacons("local.")).toEqual([]);
  });

  test("a bad gatewayPort in TXT is left out rather than guessed", () => {
    const cache = new RecordCache(types);
    cache.add([srv(types[0]!, "x", 5), txt(types[0]!, "x", ["gatewayPort=abc", "sshPort=70000"])]);
    const [beacon] = cache.beacons("local.");
    expect(beacon).not.toHaveProperty("gatewayPort");
    expect(beacon).not.toHaveProperty("sshPort");
    expect(beacon!.txt.gatewayPort).toBe("abc");
  });
});
