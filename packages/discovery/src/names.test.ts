import { describe, expect, test } from "vitest";
import { displayNameOf, dnsLabel, formatInstanceName, hostLabel } from "./names.js";

describe("names", () => {
  test("hostLabel keeps the first label without .local", () => {
    expect(hostLabel("Studio.local")).toBe("Studio");
    expect(hostLabel("mac.localdomain")).toBe("mac");
    expect(hostLabel("build-01.corp.example.com")).toBe("build-01");
    expect(hostLabel("")).toBe("clawdbot");
  });

  test("instance names get the project suffix unless they already name it", () => {
    expect(formatInstanceName("studio")).toBe("studio (Clawdbot)");
    expect(formatInstanceName("  My   Mac  ")).toBe("My Mac (Clawdbot)");
    expect(formatInstanceName("clawdbot-box")).toBe("clawdbot-box");
    expect(formatInstanceName("Moltbot Server")).toBe("Moltbot Server");
    expect(formatInstanceName("")).toBe("Clawdbot");
    expect(formatInstanceName("a.b")).toBe("a-b (Clawdbot)");
    expect(Buffer.byteLength(formatInstanceName("x".repeat(80)))).toBeLessThanOrEqual(63);
  });

  test("displayName drops the suffix and a conflict counter", () => {
    expect(displayNameOf("studio (Clawdbot)")).toBe("studio");
    expect(displayNameOf("studio (Clawdbot) (2)")).toBe("studio");
    expect(displayNameOf("clawdbot-box")).toBe("clawdbot-box");
  });

  test("dnsLabel sanitises for zone files", () => {
    expect(dnsLabel("My Mac!", "x")).toBe("my-mac");
    expect(dnsLabel("---", "fallback")).toBe("fallback");
    expect(dnsLabel("A".repeat(70), "x")).toHaveLength(63);
  });
});
