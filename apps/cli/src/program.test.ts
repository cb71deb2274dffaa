import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import type { CliIo } from "./io.js";
import { runCli } from "./program.js";

function memoryIo(env: NodeJS.ProcessEnv = {}): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  return { io: { stdout, stderr, stdin: new PassThrough(), env }, out: () => out, err: () => err };
}

describe("command line", () => {
  test("--help and --version exit 0; help lists the exit codes", async () => {
    const help = memoryIo();
    expect(await runCli(["--help"], help.io)).toBe(0);
    expect(help.out()).toContain("Exit codes:");
    expect(help.out()).toMatch(/gateway\s/);
    const version = memoryIo();
    expect(await runCli(["--version"], version.io)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test("no command, an unknown command or flag, a missing argument: exit 2", async () => {
    for (const argv of [[], ["nope"], ["gateway", "call"], ["gateway", "call", "health", "--nope"], ["config", "get", "a..b"]]) {
      expect(await runCli(argv, memoryIo().io), argv.join(" ")).toBe(2);
    }
  });

  test("gateway call has the original's flags", async () => {
    const help = memoryIo();
    await runCli(["gateway", "call", "--help"], help.io);
    for (const flag of ["--params <json>", "--url <url>", "--token <token>", "--password <password>", "--timeout <ms>", "--expect-final", "--json"]) expect(help.out()).toContain(flag);
    const discover = memoryIo();
    await runCli(["gateway", "discover", "--help"], discover.io);
    expect(discover.out()).toMatch(/--timeout <ms>\s+Per-command timeout in ms \(default: "2000"\)/);
  });

  test("a failure prints one line with the command's label", async () => {
    const r = memoryIo();
    expect(await runCli(["gateway", "call", "health", "--params", "[]", "--url", "ws://127.0.0.1:1"], r.io)).toBe(2);
    expect(r.err()).toBe("Gateway call failed: --params must be a JSON object.\n");
  });
});
