import { timingSafeEqual } from "node:crypto";
import { isControlUiClient } from "@clawdbot/protocol";
import type { AuthSettings } from "./auth-settings.js";

export type SharedSecrets = Pick<AuthSettings, "mode" | "token" | "password">;

/** Compares secrets in constant time; differing lengths return early, as in the original. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

export type FailureReason = "token_missing" | "token_mismatch" | "token_missing_config" | "password_missing" | "password_mismatch" | "password_missing_config";

/** The secret a client showed at upgrade (`Authorization: Bearer`, `?token=`) against the mode's secret. */
export function acceptsSharedSecret(secrets: SharedSecrets, given: string): boolean {
  const expected = secrets.mode === "token" ? secrets.token : secrets.password;
  return expected !== undefined && secretsEqual(given, expected);
}

/**
 * Checks the shared secret of a connect (spec §4.1): token mode looks only at `auth.token`,
 * password mode only at `auth.password`. Returns null on success, else the original's message.
 */
export function checkSharedSecret(
  secrets: SharedSecrets,
  auth: { token?: string | undefined; password?: string | undefined } | undefined,
  client: { id: string; mode: string },
): string | null {
  return sharedSecretFailure(secrets, auth, client)?.message ?? null;
}

/** Like `checkSharedSecret`, with the reason too (protocol 4 reports it in `details`). */
export function sharedSecretFailure(
  secrets: SharedSecrets,
  auth: { token?: string | undefined; password?: string | undefined } | undefined,
  client: { id: string; mode: string },
): { reason: FailureReason; message: string } | null {
  let reason: FailureReason | null;
  if (secrets.mode === "token") {
    if (!secrets.token) reason = "token_missing_config";
    else if (!auth?.token) reason = "token_missing";
    else reason = secretsEqual(auth.token, secrets.token) ? null : "token_mismatch";
  } else {
    if (!secrets.password) reason = "password_missing_config";
    else if (!auth?.password) reason = "password_missing";
    else reason = secretsEqual(auth.password, secrets.password) ? null : "password_mismatch";
  }
  return reason && { reason, message: authFailureMessage(reason, client) };
}

/** The `details.code` protocol 4 gives a shared-secret failure (protocol-v4-delta §7). */
export function authFailureCode(reason: FailureReason): string {
  return `AUTH_${reason.replace("_missing_config", "_not_configured").toUpperCase()}`;
}

function authFailureMessage(reason: FailureReason, client: { id: string; mode: string }): string {
  const isCli = client.mode === "cli";
  const isUi = isControlUiClient(client.id) || client.mode === "webchat" || client.id === "webchat" || client.id === "webchat-ui";
  const tokenHint = isCli
    ? "set gateway.remote.token to match gateway.auth.token"
    : isUi
      ? "open a tokenized dashboard URL or paste token in Control UI settings"
      : "provide gateway auth token";
  const passwordHint = isCli
    ? "set gateway.remote.password to match gateway.auth.password"
    : isUi
      ? "enter the password in Control UI settings"
      : "provide gateway auth password";
  switch (reason) {
    case "token_missing":
      return `unauthorized: gateway token missing (${tokenHint})`;
    case "token_mismatch":
      return `unauthorized: gateway token mismatch (${tokenHint})`;
    case "token_missing_config":
      return "unauthorized: gateway token not configured on gateway (set gateway.auth.token)";
    case "password_missing":
      return `unauthorized: gateway password missing (${passwordHint})`;
    case "password_mismatch":
      return `unauthorized: gateway password mismatch (${passwordHint})`;
    case "password_missing_config":
      return "unauthorized: gateway password not configured on gateway (set gateway.auth.password)";
  }
}
