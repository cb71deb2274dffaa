import { describe, expect, test } from "vitest";
import { prepareAdvertising, readAdvertiseSettings } from "./advertise.js";
import { EdgeConfigError } from "./config.js";

const edge = { bind: "127.0.0.1", authMode: "token" as const, secrets: ["t"], stateDir: "/tmp/x" };

describe("readAdvertiseSettings", () => {
  test("minimal mDNS by default, off under a test runner unless asked for", () => {
    expect(readAdvertiseSettings({})).toMatchObject({ mdnsMode: "minimal", tailscaleMode: "off", tailscaleResetOnExit: false, wideAreaDomain: undefined });
    expect(readAdvertiseSettings({ NODE_ENV: "test" }).mdnsMode).toBe("off");
    expect(readAdvertiseSettings({ VITEST: "true" }).mdnsMode).toBe("off");
    expect(readAdvertiseSettings({ VITEST: "true", CLAWDBOT_DISCOVERY_MDNS_MODE: "full" }).mdnsMode).toBe("full");
  });

  test("CLAWDBOT_DISABLE_BONJOUR wins over the mode", () => {
    expect(readAdvertiseSettings({ CLAWDBOT_DISCOVERY_MDNS_MODE: "full", CLAWDBOT_DISABLE_BONJOUR: "1" }).mdnsMode).toBe("off");
    expect(readAdvertiseSettings({ CLAWDBOT_DISABLE_BONJOUR: "0" }).mdnsMode).toBe("minimal");
  });

  test("reads interface, ports, tailscale and wide-area settings", () => {
    const settings = readAdvertiseSettings({
      CLAWDBOT_MDNS_INTERFACE: "10.0.0.2",
      CLAWDBOT_MDNS_PORT: "5454",
      CLAWDBOT_ADVERTISE_PORT: "18789",
      CLAWDBOT_SSH_PORT: "2222",
      CLAWDBOT_CLI_PATH: "/usr/bin/clawdbot",
      CLAWDBOT_TAILSCALE_MODE: "serve",
      CLAWDBOT_TAILSCALE_RESET_ON_EXIT: "true",
      CLAWDBOT_TAILNET_DNS: "box.tail.ts.net",
      CLAWDBOT_DISCOVERY_WIDE_AREA: "1",
    });
    expect(settings).toEqual({
      mdnsMode: "minimal",
      mdnsInterface: "10.0.0.2",
      mdnsPort: 5454,
      advertisePort: 18789,
      sshPort: 2222,
      cliPath: "/usr/bin/clawdbot",
      tailscaleMode: "serve",
      tailscaleResetOnExit: true,
      tailnetDns: "box.tail.ts.net",
      wideAreaDomain: "clawdbot.internal.",
    });
    expect(readAdvertiseSettings({ CLAWDBOT_DISCOVERY_WIDE_AREA: "1", CLAWDBOT_WIDE_AREA_DOMAIN: "home.internal" }).wideAreaDomain).toBe("home.internal");
  });

  test("bad values are refused with the variable's name", () => {
    expect(() => readAdvertiseSettings({ CLAWDBOT_DISCOVERY_MDNS_MODE: "loud" })).toThrow(new EdgeConfigError('CLAWDBOT_DISCOVERY_MDNS_MODE must be one of off, minimal, full, not "loud"'));
    expect(() => readAdvertiseSettings({ CLAWDBOT_TAILSCALE_MODE: "on" })).toThrow(/CLAWDBOT_TAILSCALE_MODE must be one of off, serve, funnel/);
    expect(() => readAdvertiseSettings({ CLAWDBOT_SSH_PORT: "99999" })).toThrow(/CLAWDBOT_SSH_PORT must be a port number/);
  });
});

describe("prepareAdvertising refuses what the original refuses at startup", () => {
  test("funnel needs password auth; serve and funnel need a loopback bind", () => {
    expect(() => prepareAdvertising(edge, { CLAWDBOT_TAILSCALE_MODE: "funnel" })).toThrow(EdgeConfigError);
    expect(() => prepareAdvertising(edge, { CLAWDBOT_TAILSCALE_MODE: "funnel" })).toThrow(/funnel requires gateway auth mode=password/);
    expect(() => prepareAdvertising({ ...edge, bind: "0.0.0.0" }, { CLAWDBOT_TAILSCALE_MODE: "serve" })).toThrow(/requires gateway bind=loopback/);
    expect(() => prepareAdvertising({ ...edge, authMode: "password" }, { CLAWDBOT_TAILSCALE_MODE: "funnel" })).not.toThrow();
    expect(() => prepareAdvertising({ ...edge, bind: "0.0.0.0" }, {})).not.toThrow();
  });
});
