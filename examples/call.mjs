#!/usr/bin/env node
// Calls one gateway method over the native protocol (v3) and prints the result as JSON.
//
//   pnpm call <method> [paramsJSON] [--url ws://host:port] [--token TOKEN]
//   node examples/call.mjs sessions.list
//   node examples/call.mjs config.get '{}' --url ws://127.0.0.1:18789
//
// The URL defaults to CLAWDBOT_GATEWAY_URL, else ws://127.0.0.1:${CLAWDBOT_GATEWAY_PORT || 18789};
// the token to CLAWDBOT_GATEWAY_TOKEN, else the file `pnpm dev` writes:
// <CLAWDBOT_STATE_DIR or ~/.clawdbot>/gateway-token.
// Exit codes: 0 ok, 1 the gateway answered with an error, 2 no usable connection or bad usage.
//
// Deliberately standalone (only `ws`): it doubles as the smallest example of a client.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const TIMEOUT_MS = 30_000;

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write("usage: pnpm call <method> [paramsJSON] [--url ws://host:port] [--token TOKEN]\n");
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: { url: { type: "string" }, token: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
} catch (err) {
  usage(err.message);
}
const [method, paramsJson, ...extra] = args.positionals;
if (args.values.help || !method || extra.length > 0) usage();

let params = {};
if (paramsJson !== undefined) {
  try {
    params = JSON.parse(paramsJson);
  } catch (err) {
    usage(`params must be JSON: ${err.message}`);
  }
}

const env = process.env;
const url = args.values.url ?? env.CLAWDBOT_GATEWAY_URL ?? `ws://127.0.0.1:${env.CLAWDBOT_GATEWAY_PORT || 18789}`;
const stateDir = (env.CLAWDBOT_STATE_DIR || join(homedir(), ".clawdbot")).replace(/^~(?=$|\/)/, homedir());
const tokenFile = join(stateDir, "gateway-token");
const token = args.values.token ?? (env.CLAWDBOT_GATEWAY_TOKEN || readToken(tokenFile));
if (!token) usage(`no gateway token: pass --token, set CLAWDBOT_GATEWAY_TOKEN, or run \`pnpm dev\` once to create ${tokenFile}`);

function readToken(file) {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Connection trouble of any kind ends here: say where we tried, and what usually fixes it. */
function unreachable(detail) {
  process.stderr.write(`cannot talk to the gateway at ${url}: ${detail} (is \`pnpm dev\` running?)\n`);
  process.exit(2);
}

const timer = setTimeout(() => unreachable(`no answer within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
const pending = new Map();
let done = false;

ws.on("error", (err) => unreachable(err.message || err.code || String(err)));
ws.on("close", (code, reason) => {
  if (!done) unreachable(`connection closed (${code}${reason.length ? ` ${reason}` : ""})`);
});
ws.on("message", (data) => {
  let frame;
  try {
    frame = JSON.parse(data.toString("utf8"));
  } catch {
    return; // not ours to interpret
  }
  if (frame.type === "event" && frame.event === "connect.challenge") void run();
  if (frame.type === "res") pending.get(frame.id)?.(frame);
});

function request(method, params) {
  const id = randomUUID();
  return new Promise((resolve) => {
    pending.set(id, resolve);
    ws.send(JSON.stringify({ type: "req", id, method, params }));
  });
}

/** An error response ends the script: `code: message` on stderr, exit 1. */
function failOn(res) {
  if (res.ok) return;
  done = true;
  process.stderr.write(`${res.error?.code ?? "ERROR"}: ${res.error?.message ?? "request failed"}\n`);
  process.exitCode = 1;
  ws.close();
  clearTimeout(timer);
}

// The edge speaks first (connect.challenge); `connect` must be our first request.
async function run() {
  const hello = await request("connect", {
    minProtocol: 3,
    maxProtocol: 3,
    client: { id: "cli", version: "0.1.0", platform: process.platform, mode: "cli" },
    auth: { token },
  });
  failOn(hello);
  if (done) return;
  const res = await request(method, params);
  failOn(res);
  if (done) return;
  done = true;
  process.stdout.write(`${JSON.stringify(res.payload ?? null, null, 2)}\n`);
  clearTimeout(timer);
  ws.close();
}
