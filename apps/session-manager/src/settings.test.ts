import { expect, test } from "vitest";
import { readRunSettings } from "./settings.js";

test("defaults, overrides, and nonsense falls back", () => {
  expect(readRunSettings({})).toEqual({ leaseMs: 15_000, echoWordDelayMs: 40, deltaThrottleMs: 150, drainMs: 5_000 });
  expect(readRunSettings({ CLAWDBOT_RUN_LEASE_MS: "900", CLAWDBOT_ECHO_WORD_DELAY_MS: "0" })).toMatchObject({ leaseMs: 900, echoWordDelayMs: 0 });
  expect(readRunSettings({ CLAWDBOT_RUN_LEASE_MS: "0", CLAWDBOT_ECHO_WORD_DELAY_MS: "-1" })).toMatchObject({ leaseMs: 15_000, echoWordDelayMs: 40 });
});
