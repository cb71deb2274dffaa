import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { edgeUrl, formatBanner } from "./banner.js";
import { createFormatter, parseRecord } from "./pretty.js";

describe("banner", () => {
  test("the edge's listening line gives a loopback URL", () => {
    expect(edgeUrl({ port: 1234, bind: "127.0.0.1" })).toBe("ws://127.0.0.1:1234");
    expect(edgeUrl({ port: 1234, bind: "0.0.0.0" })).toBe("ws://127.0.0.1:1234");
    expect(edgeUrl({ port: 1234, bind: "::1" })).toBe("ws://[::1]:1234");
    expect(edgeUrl({ msg: "no port" })).toBeUndefined();
  });

  test("the example command carries only what differs from call.mjs's defaults", () => {
    const file = join(homedir(), ".clawdbot", "gateway-token");
    const base = { natsUrl: "nats://127.0.0.1:4222", natsStarted: false };
    const plain = formatBanner({ ...base, url: "ws://127.0.0.1:18789", stateDir: join(homedir(), ".clawdbot"), token: { token: "t", file, created: false } });
    expect(plain).toContain("Try:        pnpm call sessions.list\n");
    const custom = formatBanner({ ...base, url: "ws://127.0.0.1:5555", stateDir: "/tmp/s", token: { token: "t", file: "/tmp/s/gateway-token", created: true } });
    expect(custom).toContain("Try:        CLAWDBOT_STATE_DIR=/tmp/s pnpm call sessions.list --url ws://127.0.0.1:5555\n");
    const fromEnv = formatBanner({ ...base, url: "ws://127.0.0.1:18789", stateDir: "/tmp/s", token: { token: "t", file: undefined, created: false } });
    expect(fromEnv).toContain("pnpm call sessions.list --token t\n");
  });
});

describe("pretty", () => {
  test("pino lines become one prefixed line; other text passes through", () => {
    const f = createFormatter({ colors: false, names: ["devstack", "gateway-edge"] });
    const line = JSON.stringify({ level: 30, time: 0, pid: 1, hostname: "h", service: "gateway-edge", msg: "hi", port: 1 });
    const out = f.format("gateway-edge", line, parseRecord(line));
    expect(out).toMatch(/^gateway-edge │ \[\d\d:\d\d:\d\d\.\d{3}\] INFO: hi \{"port":1\}\n$/);
    expect(f.format("devstack", "plain text", parseRecord("plain text"))).toBe("devstack     │ plain text\n");
    expect(parseRecord("[1, 2]")).toBeUndefined();
  });
});
