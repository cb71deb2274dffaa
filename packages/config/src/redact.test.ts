import JSON5 from "json5";
import { describe, expect, test } from "vitest";
import { REDACTED, RedactionError, redactRaw, redactTree, redactUnparsedRaw, restoreRedacted, restoreRedactedRaw } from "./redact.js";
import { FULL_SAMPLE } from "./samples.fixture.js";

const SECRETS = ["123456:telegram-bot-token", "hook-shared-secret", "sk-or-from-config", "ollama"];

describe("redaction - config.get never returns a secret", () => {
  test("the raw text keeps comments and references, and loses every secret literal", () => {
    const redacted = redactRaw(FULL_SAMPLE, JSON5.parse(FULL_SAMPLE));
    for (const secret of SECRETS) expect(redacted).not.toContain(secret);
    expect(redacted).toContain("// Molty's gateway. Written by the wizard, edited by hand since.");
    expect(redacted).toContain('token: "${GATEWAY_SECRET}"');
    expect(redacted).toContain(`botToken: "${REDACTED}:channels.telegram.botToken"`);
    expect(redacted).toContain(`apiKey: "${REDACTED}:models.providers.local.apiKey"`);
    expect(JSON5.parse(redacted)).toBeTruthy();
  });

  test("a secret that cannot be found as a plain literal makes the raw view plain redacted JSON", () => {
    const raw = '{ gateway: { auth: { token: "a\\u0062c-escaped" } } }';
    const redacted = redactRaw(raw, JSON5.parse(raw));
    expect(redacted).not.toContain("escaped");
    expect(JSON.parse(redacted)).toEqual({ gateway: { auth: { token: REDACTED } } });
  });

  test("objects: secret keys, everything in env, and values substituted from secret-looking variables", () => {
    const tree = {
      gateway: { port: 1, auth: { token: "t", mode: "token", password: "${GATEWAY_PASSWORD}" } },
      env: { vars: { ANYTHING: "x" }, OTHER: "y", shellEnv: { enabled: true } },
      models: { providers: { p: { apiKey: "k", headers: { Authorization: "Bearer z" }, models: [{ id: "m", maxTokens: 10 }] } } },
      channels: { slack: { url: "https://hooks/abc" } },
    };
    expect(redactTree(tree, [["channels", "slack", "url"]])).toEqual({
      gateway: { port: 1, auth: { token: REDACTED, mode: "token", password: "${GATEWAY_PASSWORD}" } },
      env: { vars: { ANYTHING: REDACTED }, OTHER: REDACTED, shellEnv: { enabled: true } },
      models: { providers: { p: { apiKey: REDACTED, headers: { Authorization: REDACTED }, models: [{ id: "m", maxTokens: 10 }] } } },
      channels: { slack: { url: REDACTED } },
    });
  });

  test("text that does not parse is masked after secret-looking keys", () => {
    const out = redactUnparsedRaw('{ gateway: { auth: { token: "abc", password: \'p w\' }, port: 1 ');
    expect(out).toBe(`{ gateway: { auth: { token: "${REDACTED}", password: "${REDACTED}" }, port: 1 `);
  });
});

describe("restoring - markers sent back keep the file's value", () => {
  const current = JSON5.parse<unknown>(FULL_SAMPLE);

  test("path markers in raw text are put back in place, comments kept", () => {
    const redacted = redactRaw(FULL_SAMPLE, current);
    expect(restoreRedactedRaw(redacted, current)).toBe(FULL_SAMPLE);
  });

  test("a plain marker in raw text resolves by where it sits when that is unambiguous", () => {
    const raw = `{ channels: { telegram: { botToken: "${REDACTED}" } } } // kept`;
    expect(restoreRedactedRaw(raw, current)).toBe('{ channels: { telegram: { botToken: "123456:telegram-bot-token" } } } // kept');
  });

  test("text that does not parse is left for the write to refuse", () => {
    expect(restoreRedactedRaw(`{ x: "${REDACTED}" `, current)).toBe(`{ x: "${REDACTED}" `);
  });

  test("a marker for a value the file does not have is refused in a full text", () => {
    expect(() => restoreRedactedRaw(`{ x: "${REDACTED}:gateway.auth.password" }`, current)).toThrow(RedactionError);
  });

  test("objects (patches): plain markers keep the same path's value, missing ones are dropped", () => {
    expect(restoreRedacted({ hooks: { token: REDACTED, enabled: true }, gateway: { auth: { password: REDACTED } } }, current, { dropMissing: true })).toEqual({
      hooks: { token: "hook-shared-secret", enabled: true },
      gateway: { auth: {} },
    });
  });
});
