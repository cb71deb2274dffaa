// `pnpm cluster`: the scale-out topology of deploy/README.md on this machine — three NATS nodes
// (JetStream, 3 replicas), two replicas of each service, edges behind HAProxy — with every
// process's log on stdout. Ctrl-C stops the parts in order and exits 0.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { INSTALL_HINT, NatsServerNotFoundError } from "@clawdbot/natsd";
import { DEFAULT_GATEWAY_PORT } from "@clawdbot/protocol";
import { readServiceEnv } from "@clawdbot/runtime";
import { type Cluster, startCluster } from "./cluster.js";
import { HaproxyNotFoundError } from "./haproxy.js";
import { createPrinter } from "./output.js";

const BIND_ALIASES: Record<string, string> = { loopback: "127.0.0.1", lan: "0.0.0.0" };
const KEEP_REPLICAS_MS = 10_000;

const env = process.env;
const colors = env.FORCE_COLOR ? env.FORCE_COLOR !== "0" : Boolean(process.stdout.isTTY) && !env.NO_COLOR;
const print = createPrinter({ colors, write: (text) => process.stdout.write(text) });
const say = (msg: string) => print("cluster", { msg });

let cluster: Cluster | undefined;
let stopping: { at: number } | undefined;

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => onSignal(signal));
// Whatever ends this process, leave no detached process groups behind.
process.on("exit", () => cluster?.killAll());

try {
  await main();
} catch (err) {
  const message = err instanceof NatsServerNotFoundError ? INSTALL_HINT : err instanceof HaproxyNotFoundError ? err.message : String((err as Error).stack ?? err);
  process.stderr.write(`\npnpm cluster: could not start: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const service = readServiceEnv(env);
  const lbPort = positiveInt("CLAWDBOT_GATEWAY_PORT", DEFAULT_GATEWAY_PORT);
  const bindRaw = env.CLAWDBOT_GATEWAY_BIND || "loopback";
  const lbHost = BIND_ALIASES[bindRaw] ?? bindRaw;
  const token = gatewayToken(service.stateDir);
  say(`starting 3 NATS nodes, ${positiveInt("CLAWDBOT_CLUSTER_REPLICAS", 2)}× each service, ${positiveInt("CLAWDBOT_CLUSTER_EDGES", 2)} edges, HAProxy on ${lbHost}:${lbPort}`);
  const started = await startCluster({
    edges: positiveInt("CLAWDBOT_CLUSTER_EDGES", 2),
    replicas: positiveInt("CLAWDBOT_CLUSTER_REPLICAS", 2),
    lbHost,
    lbPort,
    token: token.value,
    prefix: service.natsPrefix,
    stateDir: service.stateDir,
    logLevel: service.logLevel,
    onLine: print,
    detached: true,
  });
  cluster = started;
  if (stopping) return shutdown();
  // Every app creates its streams with CLAWDBOT_JS_REPLICAS; this safety net (replication.ts)
  // raises one made later by a process that ignores the setting, and says so.
  setInterval(() => void keepReplicas(started), KEEP_REPLICAS_MS).unref();
  const lbUrl = lbHost === "0.0.0.0" ? started.url.replace("0.0.0.0", "127.0.0.1") : started.url;
  const tryCommand = [`pnpm call health`, lbUrl === `ws://127.0.0.1:${DEFAULT_GATEWAY_PORT}` ? "" : ` --url ${lbUrl}`, token.file ? "" : ` --token ${token.value}`].join("");
  process.stdout.write(
    [
      "",
      "  Clawdbot Gateway cluster is up (Ctrl-C stops it)",
      `  URL:      ${lbUrl}   (HAProxy → ${started.edges.map((e, i) => `${e.name} ${started.edgeUrl(i)}`).join(", ")})`,
      `  Token:    ${token.value}   (${token.file ?? "this run only; set CLAWDBOT_GATEWAY_TOKEN to choose one"})`,
      `  NATS:     ${started.natsUrl}   (JetStream, ${started.jsReplicas} replicas; emptied on stop)`,
      `  Services: ${started.services.map((s) => s.name).join(", ")}`,
      `  HAProxy:  ${started.lb!.statsUrl.replace(";csv", "")}`,
      `  Try:      ${tryCommand}`,
      "",
      "",
    ].join("\n"),
  );
}

async function keepReplicas(started: Cluster): Promise<void> {
  try {
    const raised = await started.raiseReplicas();
    if (raised.length > 0) say(`raised to ${started.jsReplicas} replicas (made without CLAWDBOT_JS_REPLICAS): ${raised.join(", ")}`);
  } catch (err) {
    // NATS is stopping, or a node is away: the next round tries again.
    if (!stopping) say(`could not check stream replicas: ${(err as Error).message}`);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (!stopping) {
    stopping = { at: Date.now() };
    if (cluster) void shutdown();
    return;
  }
  // One Ctrl-C can arrive more than once (pnpm relays it too); only a later one means "now".
  if (Date.now() - stopping.at < 1_000) return;
  say(`second ${signal}: killing everything now`);
  process.exit(130);
}

async function shutdown(): Promise<void> {
  say("stopping: edges, HAProxy, services, NATS");
  await cluster!.stop();
  cluster = undefined;
  say("stopped");
  process.exit(0);
}

/** CLAWDBOT_GATEWAY_TOKEN, else the token `pnpm dev` keeps in the state dir, else one for this run. */
function gatewayToken(stateDir: string): { value: string; file: string | undefined } {
  if (env.CLAWDBOT_GATEWAY_TOKEN) return { value: env.CLAWDBOT_GATEWAY_TOKEN, file: "CLAWDBOT_GATEWAY_TOKEN" };
  const file = join(stateDir, "gateway-token");
  try {
    const value = readFileSync(file, "utf8").trim();
    if (value) return { value, file };
  } catch {
    // no token file: make one up for this run
  }
  return { value: randomBytes(16).toString("hex"), file: undefined };
}

function positiveInt(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    process.stderr.write(`pnpm cluster: ${name} must be a positive integer, not ${JSON.stringify(raw)}\n`);
    process.exit(1);
  }
  return value;
}
