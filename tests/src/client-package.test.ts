// The published artefact, as a stranger gets it: `pnpm pack` of @clawdbot/protocol installed
// with npm into a fresh project outside the workspace, a typed call type-checked by tsc, then
// compiled and run against a real edge + session-manager.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type NatsServer, startNatsServer } from "@clawdbot/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { protocolDir, requireProtocolBuild } from "./protocol-build.js";
import { Stack } from "./stack.js";

const run = promisify(execFile);

let nats: NatsServer;
let stack: Stack;
let edgeUrl: string;
let work: string;

/** The environment without pnpm's and npm's own variables, so npm acts as in a fresh shell. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|PNPM_)/i.test(key)));
  return { ...env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false", ...extra };
}

beforeAll(async () => {
  requireProtocolBuild();
  nats = await startNatsServer();
  stack = new Stack({ natsUrl: nats.url });
  await stack.start("session-manager");
  edgeUrl = (await stack.startEdge()).url;
  work = mkdtempSync(join(tmpdir(), "clawdbot-client-project-"));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    // Our published .d.ts files are checked too, not skipped.
    skipLibCheck: false,
    types: ["node"],
    outDir: "dist",
    rootDir: "src",
  },
  include: ["src"],
};

// Deliberate type errors are marked @ts-expect-error: if inference from the method registry
// were lost (everything `unknown` or `any`), tsc would report the directive as unused.
const mainTs = `
import { createGatewayClient } from "@clawdbot/protocol/ws";
import { GatewayError, type SessionsListResult } from "@clawdbot/protocol";

const client = createGatewayClient({
  url: process.env.GATEWAY_URL!,
  token: process.env.GATEWAY_TOKEN,
  client: { id: "cli", mode: "cli", version: "1.0.0" },
});
const hello = await client.connect();

const list = await client.call("sessions.list", { limit: 5 });
const typed: SessionsListResult = list;
const count: number = list.count;
// @ts-expect-error count is a number: the result type is inferred, not any
const notAString: string = list.count;

function wrongParams() {
  // @ts-expect-error limit must be a number
  return client.call("sessions.list", { limit: "5" });
}

const status: unknown = await client.call("status");
let refused = "";
try {
  await client.call("sessions.list", { limit: 0 });
} catch (err) {
  if (err instanceof GatewayError) refused = err.code;
}
const ticks = client.on("tick", (payload) => payload.ts.toFixed());
ticks();

console.log(JSON.stringify({
  protocol: hello.protocol,
  advertises: hello.features.methods.includes("sessions.list"),
  tickIntervalMs: client.policy.tickIntervalMs,
  count,
  sessionsIsArray: Array.isArray(typed.sessions),
  statusIsObject: typeof status === "object" && status !== null,
  refused,
  unused: [typeof notAString, typeof wrongParams],
}));
client.close();
`;

test("pnpm pack installs into a fresh project, which type-checks a typed call and runs it against an edge", async () => {
  const packed = await run("pnpm", ["pack", "--pack-destination", work], { cwd: protocolDir, env: cleanEnv() });
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  expect(tarball, packed.stdout).toBeDefined();

  const project = join(work, "project");
  await mkdir(join(project, "src"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "fresh-client", version: "1.0.0", private: true, type: "module" }, null, 2));
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  writeFileSync(join(project, "src", "main.ts"), mainTs);

  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", join(work, tarball!), "zod@^4", "ws@^8", "typescript@~5.9", "@types/node@^20"], {
    cwd: project,
    env: cleanEnv(),
    timeout: 300_000,
  });
  expect(existsSync(join(project, "node_modules", "@clawdbot", "protocol", "dist", "client", "ws.js"))).toBe(true);

  const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
  const typecheck = await run(process.execPath, [tsc, "--noEmit", "-p", "."], { cwd: project }).catch((err: { stdout: string }) => err);
  expect("stdout" in typecheck ? typecheck.stdout : "", "tsc --noEmit must pass").toBe("");
  await run(process.execPath, [tsc, "-p", "."], { cwd: project });

  const { stdout } = await run(process.execPath, [join(project, "dist", "main.js")], {
    cwd: project,
    env: { ...cleanEnv(), GATEWAY_URL: edgeUrl, GATEWAY_TOKEN: stack.token },
    timeout: 60_000,
  });
  expect(JSON.parse(stdout.trim())).toEqual({
    protocol: 3,
    advertises: true,
    tickIntervalMs: 30_000,
    count: 0,
    sessionsIsArray: true,
    statusIsObject: true,
    refused: "INVALID_REQUEST",
    unused: ["number", "function"],
  });
}, 600_000);
