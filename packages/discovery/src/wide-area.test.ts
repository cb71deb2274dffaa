import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { browseWideArea, findWideAreaServer } from "./wide-area-browse.js";
import { nextSerial, renderWideAreaZone, wideAreaZonePath, writeWideAreaZone } from "./wide-area-zone.js";
import { type ZoneServer, serveZone } from "./zone-server.fixture.js";

const zone = { gatewayPort: 18789, displayName: "studio", tailnetIPv4: "100.101.102.103", hostLabel: "Studio", instanceLabel: "studio-gateway", tailnetDns: "studio.tail1234.ts.net", cliPath: "/usr/bin/clawdbot", sshPort: 22 };

describe("wide-area zone file", () => {
  test("is written like the original's: hash line, SOA, NS, host, PTR/SRV/TXT per service type", () => {
    const text = renderWideAreaZone({ ...zone, serial: 2026112401 });
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^; clawdbot-content-hash: [0-9a-f]{8}$/);
    expect(lines.slice(1, 7)).toEqual([
      "$ORIGIN clawdbot.internal.",
      "$TTL 60",
      "@ IN SOA ns1 hostmaster 2026112401 7200 3600 1209600 60",
      "@ IN NS ns1",
      "ns1 IN A 100.101.102.103",
      "studio IN A 100.101.102.103",
    ]);
    expect(text).toContain("_clawdbot-gw._tcp IN PTR studio-gateway._clawdbot-gw._tcp\n");
    expect(text).toContain("studio-gateway._clawdbot-gw._tcp IN SRV 0 0 18789 studio\n");
    expect(text).toContain(
      'studio-gateway._clawdbot-gw._tcp IN TXT "displayName=studio" "role=gateway" "transport=gateway" "gatewayPort=18789" "tailnetDns=studio.tail1234.ts.net" "sshPort=22" "cliPath=/usr/bin/clawdbot"\n',
    );
    expect(text).toContain("_openclaw-gw._tcp IN PTR studio-gateway._openclaw-gw._tcp\n");
    // The hash ignores the serial, so an unchanged zone is recognised whatever day it was written.
    expect(renderWideAreaZone({ ...zone, serial: 1 }).split("\n")[0]).toBe(lines[0]);
  });

  test("is rewritten only when the content changes, the serial counting up within a day", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "zone-"));
    const day = new Date("2026-11-24T12:00:00Z");
    const first = await writeWideAreaZone(stateDir, zone, day);
    expect(first).toEqual({ zonePath: join(stateDir, "dns", "clawdbot.internal.db"), changed: true });
    expect(first.zonePath).toBe(wideAreaZonePath(stateDir));
    expect(readFileSync(first.zonePath, "utf8")).toContain(" 2026112401 ");
    expect((await writeWideAreaZone(stateDir, zone, day)).changed).toBe(false);
    expect((await writeWideAreaZone(stateDir, { ...zone, gatewayPort: 18790 }, day)).changed).toBe(true);
    expect(readFileSync(first.zonePath, "utf8")).toContain(" 2026112402 ");
    await writeWideAreaZone(stateDir, { ...zone, gatewayPort: 18791 }, new Date("2026-11-25T00:00:01Z"));
    expect(readFileSync(first.zonePath, "utf8")).toContain(" 2026112501 ");
  });

  test("serials", () => {
    const now = new Date("2026-01-02T00:00:00Z");
    expect(nextSerial(undefined, now)).toBe(2026010201);
    expect(nextSerial(2026010205, now)).toBe(2026010206);
    expect(nextSerial(2025123107, now)).toBe(2026010201);
  });

  test("a foreign file at the path is replaced (no hash line means changed)", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "zone-"));
    const path = wideAreaZonePath(stateDir, "example.internal");
    await writeWideAreaZone(stateDir, { ...zone, domain: "example.internal" });
    writeFileSync(path, "; hand-written\n");
    expect((await writeWideAreaZone(stateDir, { ...zone, domain: "example.internal" })).changed).toBe(true);
  });
});

describe("wide-area browse (unicast DNS-SD over UDP)", () => {
  let server: ZoneServer;
  beforeAll(async () => {
    server = await serveZone(renderWideAreaZone({ ...zone, serial: 2026112401 }));
  });
  afterAll(() => server?.close());

  test("finds the gateway the zone describes: PTR, then SRV and TXT", async () => {
    const { beacons, server: used } = await browseWideArea({
      domain: "clawdbot.internal.",
      servers: [{ host: "127.0.0.1", port: 1 }, { host: "127.0.0.1", port: server.port }],
      timeoutMs: 3_000,
      serviceTypes: ["_clawdbot-gw._tcp"],
    });
    expect(used).toEqual({ host: "127.0.0.1", port: server.port });
    expect(beacons).toEqual([
      {
        instanceName: "studio-gateway",
        domain: "clawdbot.internal.",
        displayName: "studio",
        host: "studio.clawdbot.internal",
        port: 18789,
        tailnetDns: "studio.tail1234.ts.net",
        gatewayPort: 18789,
        sshPort: 22,
        cliPath: "/usr/bin/clawdbot",
        role: "gateway",
        transport: "gateway",
        txt: { displayName: "studio", role: "gateway", transport: "gateway", gatewayPort: "18789", tailnetDns: "studio.tail1234.ts.net", sshPort: "22", cliPath: "/usr/bin/clawdbot" },
      },
    ]);
    expect(server.queries).toContain("SRV studio-gateway._clawdbot-gw._tcp.clawdbot.internal");
  });

  test("finds which candidate address serves the zone", async () => {
    await expect(findWideAreaServer("clawdbot.internal.", ["127.0.0.1"], { port: server.port })).resolves.toEqual({ host: "127.0.0.1", port: server.port });
    await expect(findWideAreaServer("other.internal.", ["127.0.0.1"], { port: server.port })).resolves.toBeUndefined();
  });

  test("an empty domain gives no beacons", async () => {
    const { beacons } = await browseWideArea({ domain: "nothing.internal", servers: [{ host: "127.0.0.1", port: server.port }], timeoutMs: 2_000 });
    expect(beacons).toEqual([]);
  });
});
