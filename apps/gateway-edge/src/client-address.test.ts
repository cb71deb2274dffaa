import type { IncomingMessage } from "node:http";
import { describe, expect, test } from "vitest";
import { AuthSettingsError, AuthSettingsHolder, resolveAuthSettings } from "./auth-settings.js";
import { hostnameOf, resolveClientAddress } from "./client-address.js";
import { originAllowed } from "./origin.js";

function request(peer: string, headers: Record<string, string>): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

const plain = resolveAuthSettings({ mode: "token", token: "t" });
const behindProxy = resolveAuthSettings({ mode: "token", token: "t", trustedProxies: ["10.0.0.1", "10.1.0.0/16"] });

describe("local-direct and trusted proxies (spec §4.2)", () => {
  test("a loopback peer addressing localhost is local", () => {
    expect(resolveClientAddress(request("127.0.0.1", { host: "127.0.0.1:18789" }), plain)).toEqual({ ip: "127.0.0.1", local: true, viaTrustedProxy: false });
    expect(resolveClientAddress(request("::ffff:127.0.0.1", { host: "localhost" }), plain).local).toBe(true);
    expect(resolveClientAddress(request("::1", { host: "[::1]:18789" }), plain).local).toBe(true);
    expect(resolveClientAddress(request("127.0.0.1", { host: "box.tail1234.ts.net" }), plain).local).toBe(true);
  });

  test("a loopback peer is not local with another Host, or forwarding headers from an untrusted peer", () => {
    expect(resolveClientAddress(request("127.0.0.1", { host: "gateway.example.com" }), plain).local).toBe(false);
    const spoofed = resolveClientAddress(request("127.0.0.1", { host: "localhost", "x-forwarded-for": "127.0.0.1" }), plain);
    expect(spoofed).toEqual({ ip: "127.0.0.1", local: false, viaTrustedProxy: false });
  });

  test("forwarding headers count only from trusted proxies, read from the right", () => {
    const viaProxy = resolveClientAddress(request("10.0.0.1", { host: "localhost", "x-forwarded-for": "127.0.0.1, 203.0.113.7, 10.1.2.3" }), behindProxy);
    expect(viaProxy).toEqual({ ip: "203.0.113.7", local: false, viaTrustedProxy: true });
    expect(resolveClientAddress(request("10.0.0.1", { host: "localhost", "x-real-ip": "198.51.100.4" }), behindProxy).ip).toBe("198.51.100.4");
    expect(resolveClientAddress(request("10.9.9.9", { host: "localhost", "x-forwarded-for": "198.51.100.4" }), behindProxy).ip).toBe("10.9.9.9");
    // A local client through a local trusted proxy stays local.
    const localProxy = resolveAuthSettings({ mode: "token", token: "t", trustedProxies: ["127.0.0.1"] });
    expect(resolveClientAddress(request("127.0.0.1", { host: "localhost", "x-forwarded-for": "127.0.0.1" }), localProxy).local).toBe(true);
  });

  test("hostnameOf", () => {
    expect(hostnameOf("Example.COM:443")).toBe("example.com");
    expect(hostnameOf("[::1]:80")).toBe("::1");
    expect(hostnameOf("::1")).toBe("::1");
    expect(hostnameOf(undefined)).toBe("");
  });
});

describe("Origin allowlist", () => {
  const local = { ip: "127.0.0.1", local: true, viaTrustedProxy: false };
  test("no Origin (non-browser) and same origin pass; other origins need the list", () => {
    expect(originAllowed(request("127.0.0.1", { host: "127.0.0.1:18789" }), plain, local)).toBe(true);
    expect(originAllowed(request("127.0.0.1", { host: "127.0.0.1:18789", origin: "http://127.0.0.1:18789" }), plain, local)).toBe(true);
    expect(originAllowed(request("127.0.0.1", { host: "gw.example.com", origin: "https://gw.example.com" }), plain, local)).toBe(true);
    expect(originAllowed(request("127.0.0.1", { host: "127.0.0.1:18789", origin: "https://evil.example" }), plain, local)).toBe(false);
    expect(originAllowed(request("127.0.0.1", { host: "127.0.0.1:18789", origin: "null" }), plain, local)).toBe(false);
    const listed = resolveAuthSettings({ mode: "token", token: "t", allowedOrigins: ["https://ui.example.com"] });
    expect(originAllowed(request("127.0.0.1", { host: "127.0.0.1:18789", origin: "https://UI.example.com" }), listed, local)).toBe(true);
    const any = resolveAuthSettings({ mode: "token", token: "t", allowedOrigins: ["*"] });
    expect(originAllowed(request("127.0.0.1", { host: "x", origin: "https://evil.example" }), any, local)).toBe(true);
  });

  test("behind a trusted proxy, the forwarded host is the gateway's own", () => {
    const proxied = { ip: "203.0.113.7", local: false, viaTrustedProxy: true };
    const req = request("10.0.0.1", { host: "10.0.0.2:18789", "x-forwarded-host": "gw.example.com", origin: "https://gw.example.com" });
    expect(originAllowed(req, behindProxy, proxied)).toBe(true);
    expect(originAllowed(req, behindProxy, { ...proxied, viaTrustedProxy: false })).toBe(false);
  });
});

describe("auth settings holder", () => {
  test("update applies new settings and refuses invalid ones, keeping the old", () => {
    const holder = new AuthSettingsHolder({ mode: "token", token: "one" });
    expect(holder.current().token).toBe("one");
    holder.update({ mode: "token", token: "two", trustedProxies: ["10.0.0.0/8"] });
    expect(holder.current().token).toBe("two");
    expect(holder.current().isTrustedProxy("10.2.3.4")).toBe(true);
    expect(() => holder.update({ mode: "password" })).toThrow(AuthSettingsError);
    expect(() => holder.update({ mode: "token", token: "x", trustedProxies: ["not-an-ip"] })).toThrow(/trustedProxies/);
    expect(() => holder.update({ mode: "token", token: "x", allowedOrigins: ["nope"] })).toThrow(/allowedOrigins/);
    expect(holder.current().token).toBe("two");
  });
});
