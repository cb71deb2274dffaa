import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ensureGatewayToken, tokenFile } from "./token.js";

const stateDir = () => join(mkdtempSync(join(tmpdir(), "devstack-token-")), "state");

describe("gateway token", () => {
  test("created once as 32 hex chars in a 0600 file, then reused", () => {
    const dir = stateDir();
    const first = ensureGatewayToken(dir, undefined);
    expect(first.token).toMatch(/^[0-9a-f]{32}$/);
    expect(first.created).toBe(true);
    expect(statSync(tokenFile(dir)).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile(dir), "utf8").trim()).toBe(first.token);
    expect(ensureGatewayToken(dir, undefined)).toEqual({ token: first.token, file: tokenFile(dir), created: false });
  });

  test("CLAWDBOT_GATEWAY_TOKEN wins and writes nothing", () => {
    const dir = stateDir();
    expect(ensureGatewayToken(dir, "from-env")).toEqual({ token: "from-env", file: undefined, created: false });
    expect(() => statSync(tokenFile(dir))).toThrow();
  });

  test("an existing file readable by others is tightened to 0600", () => {
    const dir = stateDir();
    ensureGatewayToken(dir, undefined);
    writeFileSync(tokenFile(dir), "abc\n");
    chmodSync(tokenFile(dir), 0o644);
    expect(ensureGatewayToken(dir, undefined).token).toBe("abc");
    expect(statSync(tokenFile(dir)).mode & 0o777).toBe(0o600);
  });
});
