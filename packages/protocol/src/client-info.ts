import * as z from "zod";

/**
 * Client ids of every naming generation of the original (clawdbot → moltbot → openclaw).
 * The original's own schema lists one generation only; a compatible gateway accepts all of them.
 */
export const GATEWAY_CLIENT_IDS = [
  "webchat-ui",
  "webchat",
  "cli",
  "gateway-client",
  "node-host",
  "test",
  "fingerprint",
  "clawdbot-control-ui",
  "moltbot-control-ui",
  "openclaw-control-ui",
  "clawdbot-macos",
  "moltbot-macos",
  "openclaw-macos",
  "clawdbot-ios",
  "moltbot-ios",
  "openclaw-ios",
  "clawdbot-android",
  "moltbot-android",
  "openclaw-android",
  "clawdbot-probe",
  "moltbot-probe",
  "openclaw-probe",
  "openclaw-browser-copilot",
  "openclaw-tui",
  "openclaw-linux",
  "openclaw-watchos",
] as const;

export const GatewayClientId = z.enum(GATEWAY_CLIENT_IDS);
export type GatewayClientId = z.infer<typeof GatewayClientId>;

export const GATEWAY_CLIENT_MODES = ["webchat", "cli", "ui", "backend", "node", "probe", "test"] as const;
export const GatewayClientMode = z.enum(GATEWAY_CLIENT_MODES);
export type GatewayClientMode = z.infer<typeof GatewayClientMode>;

/** True for the Control UI under any of its names. */
export function isControlUiClient(id: string): boolean {
  return id.endsWith("-control-ui");
}
