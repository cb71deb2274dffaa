import { createLogger, handleSignals } from "@clawdbot/runtime";
import { EdgeConfigError, isLoopbackBind, loadEdgeConfig, type EdgeConfig } from "./config.js";
import { startEdge } from "./edge.js";

let config: EdgeConfig;
try {
  config = loadEdgeConfig();
} catch (err) {
  if (!(err instanceof EdgeConfigError)) throw err;
  createLogger({ service: "gateway-edge" }).fatal(err.message);
  process.exit(1);
}

const log = createLogger({ service: "gateway-edge", level: config.logLevel, bindings: { edgeId: config.edgeId } });
const edge = await startEdge(config, log).catch((err: unknown) => {
  log.fatal({ err, nats: config.natsUrl }, "gateway edge could not start (is nats-server running? `pnpm dev` starts one)");
  process.exit(1);
});
const { address } = edge;
if (!isLoopbackBind(config.bind)) log.warn({ bind: config.bind }, "listening beyond loopback: keep the shared secret strong");
log.info({ port: address.port, bind: config.bind, url: `ws://${address.address}:${address.port}`, prefix: config.natsPrefix }, "gateway edge listening");
handleSignals({ log, stop: edge.stop });
