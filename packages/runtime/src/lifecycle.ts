import type { Logger } from "pino";

export interface ServiceLifecycle {
  log: Logger;
  /** Stops the service's own work; called once, on the first SIGTERM or SIGINT. */
  stop: () => Promise<void>;
  /** Hard limit for a graceful stop before the process exits anyway. */
  stopTimeoutMs?: number;
}

/**
 * Wires the process to its signals: the first SIGTERM/SIGINT stops gracefully and exits 0, a
 * second exits at once. Unhandled rejections are logged, never fatal; uncaught exceptions are
 * logged and end the process (its state can no longer be trusted).
 */
export function handleSignals(lifecycle: ServiceLifecycle): void {
  const { log } = lifecycle;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "stopping");
    const timer = setTimeout(() => {
      log.error("graceful stop timed out: exiting");
      process.exit(1);
    }, lifecycle.stopTimeoutMs ?? 15_000);
    timer.unref();
    lifecycle.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
  process.on("uncaughtException", (err) => {
    log.fatal({ err }, "uncaught exception");
    process.exit(1);
  });
}
