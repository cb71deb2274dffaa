import { homedir } from "node:os";
import { join } from "node:path";
import { natsNames } from "@clawdbot/protocol";
import { readServiceEnv } from "@clawdbot/runtime";
import { connect } from "nats";
import { pino } from "pino";
import { SessionStore } from "./session-store.js";
import { exportStore, importStore } from "./store-io.js";
import { TranscriptStore } from "./transcript-store.js";

// `node dist/cli.js import|export [dir]`: moves sessions and transcripts between the original's
// on-disk store and this deployment's JetStream stores (NATS_URL, CLAWDBOT_NATS_PREFIX as the
// services). The directory defaults to the original's: <stateDir>/agents/main/sessions.

const USAGE = "usage: session-manager-store import|export [dir]";

async function main(argv: string[]): Promise<number> {
  const [command, dirArg] = argv;
  if (command !== "import" && command !== "export") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const env = readServiceEnv();
  const dir = dirArg ?? join(env.stateDir || join(homedir(), ".clawdbot"), "agents", "main", "sessions");
  const nc = await connect({ servers: env.natsUrl.split(","), name: "session-manager-store" });
  try {
    const names = natsNames(env.natsPrefix);
    const js = nc.jetstream();
    // Missing stores are created as the service would create them: with the deployment's replicas.
    const replication = { replicas: env.jsReplicas, log: pino({ level: "silent" }) };
    const sessions = await SessionStore.open(js, names, replication.log, replication);
    const transcripts = await TranscriptStore.open(js, await nc.jetstreamManager(), names, dir, replication);
    const report = command === "import" ? await importStore(dir, { sessions, transcripts }) : await exportStore(dir, { sessions, transcripts });
    sessions.stop();
    process.stdout.write(`${JSON.stringify({ command, dir, ...report })}\n`);
    return 0;
  } finally {
    await nc.drain();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
