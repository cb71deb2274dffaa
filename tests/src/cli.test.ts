import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsServer, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PtyCli, cliEnv, runCli } from "./cli-helpers.js";
import { Stack } from "./stack.js";

// The `clawdbot` command against a real stack: nats-server, session-manager (echo provider),
// config-service and one edge, the CLI as a child process (a pseudo-terminal for `chat`).

let nats: NatsServer;
let stack: Stack;
let url: string;
let port: number;

beforeAll(async () => {
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url, env: { CLAWDBOT_ECHO_WORD_DELAY_MS: "20" } });
  await Promise.all([stack.start("session-manager"), stack.start("config-service")]);
  ({ url } = await stack.startEdge());
  port = Number(new URL(url).port);
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

describe("clawdbot gateway call", () => {
  test("health --json prints the health payload", async () => {
    const r = await runCli(["gateway", "call", "health", "--json", "--url", url, "--token", stack.token], cliEnv());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const health = JSON.parse(r.stdout) as { ok: boolean; ts: number; services: Record<string, unknown>; edges: unknown[] };
    expect(health).toMatchObject({ ok: true, ts: expect.any(Number) });
    expect(Object.keys(health.services)).toEqual(expect.arrayContaining(["session-manager", "config-service"]));
    expect(health.edges).toHaveLength(1);
  });

  test("without --json: a heading, then the payload", async () => {
    const r = await runCli(["gateway", "call", "sessions.list", "--params", '{"limit":1}', "--url", url, "--token", stack.token], cliEnv());
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("Gateway call: sessions.list");
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf("\n") + 1))).toMatchObject({ count: expect.any(Number), sessions: expect.any(Array) });
  });

  test("a wrong token fails with the server's reason and exit code 4", async () => {
    const r = await runCli(["gateway", "call", "health", "--json", "--url", url, "--token", "wrong-token"], cliEnv());
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Gateway call failed: gateway refused the connection: unauthorized: gateway token mismatch/);
    expect(r.stderr).toContain("token from flag");
  });

  test("no token at all: exit 4 and a hint where to put one", async () => {
    const r = await runCli(["gateway", "call", "health", "--url", url], cliEnv());
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^Gateway call failed: gateway refused the connection: /);
    expect(r.stderr).toContain("(no token or password given: --token, CLAWDBOT_GATEWAY_TOKEN or gateway.auth.token)");
  });

  test("a refused connection says so, exit code 3, without retrying until the timeout", async () => {
    // A 10-minute --timeout and the runner's 30 s limit: only a failure at the first refusal passes.
    const r = await runCli(["gateway", "call", "health", "--timeout", "600000", "--url", `ws://127.0.0.1:${await closedPort()}`, "--token", "x"], cliEnv());
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/connection refused at ws:\/\/127\.0\.0\.1:\d+: is the gateway running\?/);
  });

  test("the gateway's error for a call: exit 1 with its message", async () => {
    const r = await runCli(["gateway", "call", "no.such.method", "--url", url, "--token", stack.token], cliEnv());
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("Gateway call failed: unknown method: no.such.method");
    const bad = await runCli(["gateway", "call", "sessions.list", "--params", '{"limit":"x"}', "--url", url, "--token", stack.token], cliEnv());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Gateway call failed: invalid sessions.list params/);
  });

  test("usage errors exit 2", async () => {
    for (const args of [["gateway", "call", "health", "--params", "{nope"], ["gateway", "call", "health", "--timeout", "soon"], ["gateway", "call", "health", "--bogus"], ["gateway", "call"]]) {
      const r = await runCli([...args, "--url", url, "--token", stack.token], cliEnv());
      expect(r.code, args.join(" ")).toBe(2);
    }
    expect((await runCli(["--help"], cliEnv())).code).toBe(0);
  });
});

describe("connection settings: flags, then env, then the config file", () => {
  test("CLAWDBOT_GATEWAY_URL and CLAWDBOT_GATEWAY_TOKEN", async () => {
    const r = await runCli(["health", "--json"], cliEnv({ CLAWDBOT_GATEWAY_URL: url, CLAWDBOT_GATEWAY_TOKEN: stack.token }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  });

  test("gateway.port and gateway.auth.token from the config file (JSON5)", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "clawdbot-cli-config-"));
    writeFileSync(join(stateDir, "moltbot.json"), `{ // JSON5\n gateway: { port: ${port}, auth: { token: "${stack.token}" } } }\n`);
    const r = await runCli(["health"], cliEnv({ CLAWDBOT_STATE_DIR: stateDir }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Gateway Health\nOK \(\d+ms\)\n/);
    expect(r.stdout).toContain("session-manager: 1 replica");
  });

  test("a flag wins over env, env over the file", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "clawdbot-cli-config-"));
    writeFileSync(join(stateDir, "moltbot.json"), JSON.stringify({ gateway: { port: 1, auth: { token: "from-file" } } }));
    const env = cliEnv({ CLAWDBOT_STATE_DIR: stateDir, CLAWDBOT_GATEWAY_URL: url, CLAWDBOT_GATEWAY_TOKEN: "from-env" });
    const viaEnv = await runCli(["health"], env);
    expect(viaEnv.code).toBe(4);
    expect(viaEnv.stderr).toContain("token from env");
    expect((await runCli(["health", "--token", stack.token], env)).code).toBe(0);
  });

  test("an unreadable config file is a usage error", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "clawdbot-cli-config-"));
    writeFileSync(join(stateDir, "moltbot.json"), "{ gateway: ");
    const r = await runCli(["health"], cliEnv({ CLAWDBOT_STATE_DIR: stateDir }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config file .*moltbot\.json is not valid JSON5/);
  });
});

describe("status, sessions, config", () => {
  const flags = () => ["--url", url, "--token", stack.token];

  test("status", async () => {
    const human = await runCli(["status", ...flags()], cliEnv());
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("Gateway Status");
    expect(human.stdout).toContain(`Gateway: ${url}`);
    const json = await runCli(["status", "--json", ...flags()], cliEnv());
    expect(JSON.parse(json.stdout)).toHaveProperty("sessions");
  });

  test("sessions list shows a session once it has a message", async () => {
    const key = `cli-sessions-${Date.now()}`;
    const sent = await runCli(["chat", "--session", key, ...flags()], cliEnv(), { input: "hello sessions\n" });
    expect(sent.code).toBe(0);
    const r = await runCli(["sessions", "list", "--search", key, ...flags()], cliEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Sessions: 1 /);
    expect(r.stdout).toMatch(new RegExp(`KEY\\s+KIND\\s+UPDATED\\s+MODEL\\s+TOKENS`));
    expect(r.stdout).toContain(`agent:main:${key}`);
    const json = JSON.parse((await runCli(["sessions", "--json", "--search", key, ...flags()], cliEnv())).stdout) as { count: number };
    expect(json.count).toBe(1);
  });

  test("config set, get and unset go through config.get and config.patch", async () => {
    const set = await runCli(["config", "set", "ui.seamColor", "#ff8800", ...flags()], cliEnv());
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^Updated ui\.seamColor/);
    const get = await runCli(["config", "get", "ui.seamColor", ...flags()], cliEnv());
    expect(get.stdout).toBe("#ff8800\n");
    const setNumber = await runCli(["config", "set", "gateway.reload.debounceMs", "450", ...flags()], cliEnv());
    expect(setNumber.code).toBe(0);
    expect(JSON.parse((await runCli(["config", "get", "gateway.reload.debounceMs", "--json", ...flags()], cliEnv())).stdout)).toBe(450);
    const unset = await runCli(["config", "unset", "ui.seamColor", ...flags()], cliEnv());
    expect(unset.code).toBe(0);
    const gone = await runCli(["config", "get", "ui.seamColor", ...flags()], cliEnv());
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("Config path not found: ui.seamColor");
    const bad = await runCli(["config", "get", "a.__proto__.b", ...flags()], cliEnv());
    expect(bad.code).toBe(2);
  });
});

describe("clawdbot chat", () => {
  const hasScript = (() => {
    try {
      execFileSync("script", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  if (!hasScript) console.warn("skipping the pseudo-terminal chat test: util-linux `script` is not installed");

  test.skipIf(!hasScript)("in a terminal: streams the reply, Ctrl-C aborts a reply, Ctrl-D leaves with exit 0", async () => {
    const session = `cli-chat-${Date.now()}`;
    const pty = new PtyCli(["chat", "--session", session, "--url", url, "--token", stack.token], cliEnv());
    try {
      await pty.waitFor(`Chatting on session ${session}`);
      await pty.waitFor("you › ");
      let mark = pty.output.length;
      pty.type("hello from the terminal\r");
      await pty.waitFor("assistant › echo: hello from the terminal\n", mark);
      await pty.waitFor("you › ", mark);

      // A long reply (one word per 20 ms): abort it once it has started streaming.
      mark = pty.output.length;
      const words = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ");
      pty.type(`${words}\r`);
      await pty.waitFor("assistant › echo: w0", mark);
      pty.type("\u0003");
      const out = await pty.waitFor("[aborted]", mark);
      const reply = out.slice(out.indexOf("assistant › echo: w0", mark));
      expect(reply).not.toContain("w299");
      await pty.waitFor("you › ", out.length - 10);

      pty.type("\u0004");
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
  });

  test("with stdin from a pipe: one turn per line, exit after the last reply", async () => {
    const r = await runCli(["chat", "--session", `cli-pipe-${Date.now()}`, "--url", url, "--token", stack.token], cliEnv(), { input: "first line\nsecond line\n" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("assistant › echo: first line\nassistant › echo: second line\n");
  });
});
