import { ServiceEnvError, createLogger, handleSignals } from "@clawdbot/runtime";
import { EdgeConfigError, isLoopbackBind, loadEdgeConfig, type EdgeConfig } from "./config.js";
import { startEdge } from "./edge.js";

let config: EdgeConfig;
try {
  config = loadEdgeConfig();
} catch (err) {
  if (!(err instanceof EdgeConfigError || err instanceof ServiceEnvError)) throw err;
  createLogger({ service: "gateway-edge" }).fatal(err.message);
  process.exit(1);
}

const log = createLogger({ service: "gateway-edge", level: config.logLevel, bindings: { edgeId: config.edgeId } });
const edge = await startEdge(config, log, {
  // The listener could not be reopened after a config restart: exit, so a supervisor restarts the edge.
  onFatal: () => process.exit(1),
}).catch((err: unknown) => {
  // A refused setting (funnel without a password, say) is not a NATS problem: say only what it is.
  if (err instanceof EdgeConfigError) log.fatal(err.message);
  else log.fatal({ err, nats: config.natsUrl }, "gateway edge could not start (is nats-server running? `pnpm dev` starts one)");
  process.exit(1);
});
const { address } = edge;
if (!isLoopbackBind(address.address)) log.warn({ bind: address.address }, "listening beyond loopback: keep the shared secret strong");
log.info({ port: address.port, bind: address.address, url: `ws://${address.address}:${address.port}`, prefix: config.natsPrefix }, "gateway edge listening");
// The drain may take its whole deadline: the hard stop comes after it, not in the middle.
handleSignals({ log, stop: edge.stop, stopTimeoutMs: config.drainTimeoutMs + 5_000 });
