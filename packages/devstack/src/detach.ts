import { spawn } from "node:child_process";
import { constants } from "node:os";

const DETACHED_FLAG = "CLAWDBOT_DEVSTACK_DETACHED";

/**
 * Why: a terminal's Ctrl-C signals its whole foreground process group, and natsd starts
 * nats-server in ours. nats-server would quit at once while the apps still drain through it, so
 * they hang until killed. So `pnpm dev` re-runs itself in a process group of its own (with its
 * nats-server) and this first copy only relays signals to it and exits with its exit code.
 */
export function isDetachedCopy(): boolean {
  return process.env[DETACHED_FLAG] === "1";
}

/** In the terminal's copy: starts the detached copy and lives only to relay signals to it. */
export function relayToDetachedCopy(): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    // stdin stays a pipe from us: when it closes, the copy knows we died, whatever killed us.
    stdio: ["pipe", "inherit", "inherit"],
    env: { ...process.env, [DETACHED_FLAG]: "1" },
  });
  const relay = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", relay);
  process.on("SIGTERM", relay);
  process.on("SIGHUP", relay);
  child.once("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  child.once("error", (err) => {
    process.stderr.write(`pnpm dev: cannot start: ${err.message}\n`);
    process.exit(1);
  });
}

/** In the detached copy: calls `onGone` once the relaying copy has ended, even by SIGKILL. */
export function whenRelayGone(onGone: () => void): { release: () => void } {
  process.stdin.once("close", onGone);
  process.stdin.resume();
  return {
    release: () => {
      process.stdin.off("close", onGone);
      process.stdin.destroy(); // a pipe being read keeps the process alive
    },
  };
}
