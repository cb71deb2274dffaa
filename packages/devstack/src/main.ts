// `pnpm dev`: NATS (started here if none answers), a gateway token, the four apps from source in
// watch mode with readable logs, and a banner saying how to connect. Ctrl-C stops what it started.
//
// The scripts run this as `exec node --import tsx`, not the tsx CLI: the CLI SIGKILLs its child
// when the child does not acknowledge a relayed signal within 30 ms, which a busy machine misses;
// and `exec` keeps an sh between pnpm and node from reporting Ctrl-C as a failed script.
import { fileURLToPath } from "node:url";
import { INSTALL_HINT, NatsServerNotFoundError } from "@clawdbot/natsd";
import { pino } from "pino";
import { APP_NAMES, type AppLine, type DevApp, startApps } from "./apps.js";
import { edgeUrl, formatBanner } from "./banner.js";
import { isDetachedCopy, relayToDetachedCopy, whenRelayGone } from "./detach.js";
import { DevEnvError, readDevEnv } from "./env.js";
import { type DevNats, ensureNats } from "./nats.js";
import { BOLD, RED, createFormatter, parseRecord } from "./pretty.js";
import { type GatewayToken, ensureGatewayToken } from "./token.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const colors = process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== "0" : Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const formatter = createFormatter({ colors, names: ["devstack", ...APP_NAMES] });
const write = (text: string) => process.stdout.write(text);
// devstack's own lines go through the same formatter as the apps', so they read alike.
const log = pino(
  { base: { service: "devstack" }, timestamp: pino.stdTimeFunctions.isoTime },
  { write: (line: string) => write(formatter.format("devstack", line, parseRecord(line.trimEnd()))) },
);

let apps: DevApp[] = [];
let nats: DevNats | undefined;
let stopping: { signal: NodeJS.Signals; at: number } | undefined;
let relay: { release: () => void } | undefined;

if (!isDetachedCopy()) {
  relayToDetachedCopy();
} else {
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  // The copy in the terminal died without relaying a signal (killed hard): stop all the same.
  relay = whenRelayGone(() => onSignal("SIGHUP"));
  // Last resort on any unplanned exit: leave no detached app groups and no nats-server behind.
  process.on("exit", () => {
    for (const app of apps) if (app.running) app.kill();
    if (nats?.server?.running) nats.server.signal("SIGKILL");
  });
  await main();
}

async function main(): Promise<void> {
  let env;
  try {
    env = readDevEnv();
  } catch (err) {
    if (!(err instanceof DevEnvError)) throw err;
    process.stderr.write(`pnpm dev: ${err.message}\n`);
    process.exitCode = 1;
    relay?.release();
    return;
  }

  try {
    nats = await ensureNats(env.natsUrl, env.stateDir);
  } catch (err) {
    const why = err instanceof NatsServerNotFoundError ? INSTALL_HINT : (err as Error).message;
    process.stderr.write(`\npnpm dev needs a nats-server: nothing answers at ${env.natsUrl} and none could be started.\n${why}\n\n`);
    process.exitCode = 1;
    relay?.release();
    return;
  }
  if (nats.server) log.info({ nats: nats.server.url, storeDir: nats.server.storeDir }, "nats-server started (stops with pnpm dev)");
  else log.info({ nats: env.natsUrl }, "using the nats-server already running");
  if (!nats.jetstream) log.warn({ nats: env.natsUrl }, "that nats-server runs without JetStream, which the services need: restart it with -js");
  if (stopping) return shutdown();

  const token = ensureGatewayToken(env.stateDir, env.gatewayToken);
  if (token.created) log.info({ file: token.file }, "gateway token created");

  const onLine = lineHandler(token, env.stateDir, env.natsUrl, nats.server !== undefined);
  apps = startApps({
    repoRoot,
    env: {
      ...process.env,
      NATS_URL: env.natsUrl,
      CLAWDBOT_NATS_PREFIX: env.natsPrefix,
      CLAWDBOT_STATE_DIR: env.stateDir,
      CLAWDBOT_GATEWAY_TOKEN: token.token,
      CLAWDBOT_GATEWAY_PORT: env.gatewayPort,
    },
    onLine,
    onExit: (app, code, signal) => {
      if (!stopping) log.error({ code, signal }, `${app}: its watcher exited; restart pnpm dev to get it back`);
    },
  });
  log.info({ stateDir: env.stateDir, prefix: env.natsPrefix }, `starting ${APP_NAMES.join(", ")} (tsx watch: saving a file restarts its app)`);
}

/** Prints every app line readably, and reacts to the few that matter: edge up, app crashed. */
function lineHandler(token: GatewayToken, stateDir: string, natsUrl: string, natsStarted: boolean): (line: AppLine) => void {
  let bannerUrl: string | undefined;
  const crashTimers = new Map<string, NodeJS.Timeout>();
  return ({ app, stream, text }) => {
    const record = stream === "stdout" ? parseRecord(text) : undefined;
    write(formatter.format(app, text, record));
    if (app === "gateway-edge" && record?.msg === "gateway edge listening") {
      const url = edgeUrl(record);
      // Again after a restart only if the URL changed (port 0 picks a new port every time).
      if (url && url !== bannerUrl) {
        bannerUrl = url;
        write(formatter.paint(BOLD, formatBanner({ url, token, stateDir, natsUrl, natsStarted })) + "\n");
      }
    }
    // A fatal log line, or the "Node.js vX" node prints after an uncaught error, means the app
    // process ended; tsx watch waits for a change. Said once, after the rest of the trace.
    const crashed = (typeof record?.level === "number" && record.level >= 60) || (stream === "stderr" && /^Node\.js v\d/.test(text));
    if (crashed && !stopping) {
      clearTimeout(crashTimers.get(app));
      crashTimers.set(
        app,
        setTimeout(() => write(formatter.paint(RED, `\n  ✖ ${app} crashed (see above); save a file to restart it\n\n`)), 200),
      );
    }
  };
}

function onSignal(signal: NodeJS.Signals): void {
  if (!stopping) {
    stopping = { signal, at: Date.now() };
    // Before NATS is settled, main() sees the flag and stops; after, stop here.
    if (nats) void shutdown();
    return;
  }
  // One Ctrl-C arrives several times (each pnpm layer relays it too); only a later one means "now".
  if (Date.now() - stopping.at < 1_000) return;
  log.warn({ signal }, "second signal: killing everything now");
  process.exit(130); // the exit handler kills the app groups and nats-server
}

async function shutdown(): Promise<void> {
  log.info({ signal: stopping?.signal }, "stopping the apps");
  await Promise.all(apps.map((app) => app.stop()));
  if (nats?.server) {
    log.info({ nats: nats.server.url }, "stopping nats-server");
    await nats.server.stop();
  }
  log.info("stopped");
  relay?.release();
  process.exitCode = 0;
  // Exit on our own once output is flushed; the timer is only a guard against a stray handle.
  setTimeout(() => process.exit(0), 2_000).unref();
}
