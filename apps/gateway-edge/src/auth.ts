import { timingSafeEqual } from "node:crypto";
import { type ConnectClient, isControlUiClient } from "@clawdbot/protocol";
import type { AuthMode } from "./config.js";

export interface SharedSecrets {
  authMode: AuthMode;
  token: string | undefined;
  password: string | undefined;
}

/** Compares secrets in constant time; differing lengths return early, as in the original. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

type FailureReason = "token_missing" | "token_mismatch" | "token_missing_config" | "password_missing" | "password_mismatch" | "password_missing_config";

/**
 * Checks the shared secret of a connect (spec §4.1): token mode looks only at `auth.token`,
 * password mode only at `auth.password`. Returns null on success, else the original's message.
 */
export function checkSharedSecret(
  secrets: SharedSecrets,
  auth: { token?: string | undefined; password?: string | undefined } | undefined,
  client: Pick<ConnectClient, "id" | "mode">,
): string | null {
  let reason: FailureReason | null;
  if (secrets.authMode === "token") {
    if (!secrets.token) reason = "token_missing_config";
    else if (!auth?.token) reason = "token_missing";
    else reason = secretsEqual(auth.token, secrets.token) ? null : "token_mismatch";
  } else {
    if (!secrets.password) reason = "password_missing_config";
    else if (!auth?.password) reason = "password_missing";
    else reason = secretsEqual(auth.password, secrets.password) ? null : "password_mismatch";
  }
  return reason && authFailureMessage(reason, client);
}

function authFailureMessage(reason: FailureReason, client: Pick<ConnectClient, "id" | "mode">): string {
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
