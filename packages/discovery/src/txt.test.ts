import { describe, expect, test } from "vitest";
import { assertNoSecrets, buildGatewayTxt, decodeTxt, encodeTxt } from "./txt.js";

const input = { gatewayPort: 18789, lanHost: "studio.local", displayName: "studio", cliPath: "/opt/clawdbot/bin/clawdbot", sshPort: 2222 };

describe("buildGatewayTxt", () => {
  test("minimal mode: the original's keys, in order, without cliPath and sshPort", () => {
    const txt = buildGatewayTxt(input, "minimal");
    expect(Object.keys(txt)).toEqual(["role", "transport", "gatewayPort", "lanHost", "displayName"]);
    expect(txt).toEqual({ role: "gateway", transport: "gateway", gatewayPort: "18789", lanHost: "studio.local", displayName: "studio" });
  });

  test("full mode adds cliPath and sshPort (22 when not given)", () => {
    expect(buildGatewayTxt(input, "full")).toMatchObject({ cliPath: "/opt/clawdbot/bin/clawdbot", sshPort: "2222" });
    const { sshPort: _sshPort, cliPath: _cliPath, ...bare } = input;
    const txt = buildGatewayTxt(bare, "full");
    expect(txt.sshPort).toBe("22");
    expect(txt).not.toHaveProperty("cliPath");
  });

  test("TLS and tailnet keys when known, in both modes", () => {
    const txt = buildGatewayTxt({ ...input, tls: { fingerprintSha256: "AB:CD" }, tailnetDns: " studio.tail1234.ts.net " }, "minimal");
    expect(txt).toMatchObject({ gatewayTls: "1", gatewayTlsSha256: "AB:CD", tailnetDns: "studio.tail1234.ts.net" });
    expect(buildGatewayTxt({ ...input, tls: {} }, "minimal")).not.toHaveProperty("gatewayTlsSha256");
    expect(buildGatewayTxt({ ...input, tailnetDns: "  " }, "minimal")).not.toHaveProperty("tailnetDns");
  });
});

describe("TXT wire form", () => {
  test("round-trips through key=value strings; the first occurrence of a key wins", () => {
    const { data, dropped } = encodeTxt({ a: "1", b: "x=y", c: "" });
    expect(dropped).toEqual([]);
    expect(data).toEqual(["a=1", "b=x=y", "c="]);
    expect(decodeTxt(data.map((d) => Buffer.from(d)))).toEqual({ a: "1", b: "x=y", c: "" });
    expect(decodeTxt(["a=1", "a=2", "flag", ""])).toEqual({ a: "1", flag: "" });
    expect(decodeTxt(undefined)).toEqual({});
  });

  test("an entry over 255 bytes is left out and named, not cut", () => {
    const { data, dropped } = encodeTxt({ ok: "1", cliPath: "x".repeat(260) });
    expect(data).toEqual(["ok=1"]);
    expect(dropped).toEqual(["cliPath"]);
  });
});

describe("assertNoSecrets", () => {
  test("refuses a TXT value that carries the token or password", () => {
    const txt = buildGatewayTxt({ ...input, tailnetDns: "s3cr3t-token.example" }, "minimal");
    expect(() => assertNoSecrets(txt, ["s3cr3t-token", undefined])).toThrow(/tailnetDns contains a gateway secret/);
    expect(() => assertNoSecrets(txt, [undefined, "other"])).not.toThrow();
  });
});
