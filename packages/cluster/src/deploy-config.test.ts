// The files in deploy/ are what people copy: each must be valid for the real binaries as
// shipped, and the launcher's rewrite of the HAProxy config must keep everything but addresses.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findNatsServerBinary } from "@clawdbot/natsd";
import { afterAll, describe, expect, test } from "vitest";
import { findHaproxyBinary, renderHaproxyConfig } from "./haproxy.js";

const deploy = fileURLToPath(new URL("../../../deploy/", import.meta.url));
const shipped = readFileSync(join(deploy, "haproxy", "haproxy.cfg"), "utf8");
const work = mkdtempSync(join(tmpdir(), "deploy-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function haproxyCheck(config: string): string {
  const file = join(work, `check-${Math.random().toString(16).slice(2)}.cfg`);
  writeFileSync(file, config);
  return execFileSync(findHaproxyBinary(), ["-c", "-f", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("deploy/haproxy/haproxy.cfg", () => {
  test("is valid for haproxy as shipped", () => {
    expect(haproxyCheck(shipped)).toMatch(/Configuration file is valid/);
  });

  test("health-checks /readyz, forwards the client address, and keeps WebSockets open", () => {
    expect(shipped).toMatch(/http-check send meth GET uri \/readyz/);
    expect(shipped).toMatch(/^\s+option forwardfor/m);
    expect(shipped).toMatch(/^\s+timeout tunnel/m);
  });

  test("rendering rewrites only the addresses: one server line per edge with the first line's options", () => {
    const rendered = renderHaproxyConfig(shipped, {
      bind: "127.0.0.1:40001",
      statsBind: "127.0.0.1:40002",
      edges: [
        { name: "edge-1", address: "127.0.0.1:40011" },
        { name: "edge-2", address: "127.0.0.1:40012" },
        { name: "edge-3", address: "127.0.0.1:40013" },
      ],
    });
    expect(rendered.match(/^\s+server .*$/gm)).toEqual([
      "    server edge-1 127.0.0.1:40011 check",
      "    server edge-2 127.0.0.1:40012 check",
      "    server edge-3 127.0.0.1:40013 check",
    ]);
    expect(rendered.match(/^\s+bind .*$/gm)).toEqual(["    bind 127.0.0.1:40001", "    bind 127.0.0.1:40002"]);
    const withoutAddresses = (text: string) => text.split("\n").filter((l) => !/^\s+(bind|server) /.test(l));
    expect(withoutAddresses(rendered)).toEqual(withoutAddresses(shipped));
    expect(haproxyCheck(rendered)).toMatch(/Configuration file is valid/);
  });

  test("a config without a server line in backend edges is refused", () => {
    expect(() => renderHaproxyConfig("backend edges\n    balance leastconn\n", { bind: "a:1", statsBind: "a:2", edges: [] })).toThrow(/server/);
  });
});

describe("deploy/nats", () => {
  test.each([1, 2, 3])("nats-%i.conf is valid for nats-server and routes to the two other nodes", (n) => {
    const file = join(deploy, "nats", `nats-${n}.conf`);
    // nats-server reports on stderr and exits non-zero on a bad config.
    const check = spawnSync(findNatsServerBinary(), ["-t", "-c", file], { encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout + check.stderr).toMatch(/is valid/);
    const text = readFileSync(file, "utf8");
    const routes = [...text.matchAll(/nats-route:\/\/[^,\s\]]+/g)].map((m) => m[0]);
    const own = /cluster \{[^}]*listen: (\S+)/.exec(text)![1];
    expect(routes).toHaveLength(2);
    expect(routes.map((r) => r.replace("nats-route://", ""))).not.toContain(own);
  });
});
