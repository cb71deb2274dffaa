export { INSTALL_HINT, NatsServerNotFoundError, findNatsServerBinary } from "./binary.js";
export { NatsServer, startNatsServer } from "./server.js";
export type { NatsServerOptions } from "./server.js";
export { NatsCluster, startNatsCluster } from "./cluster.js";
export type { NatsClusterOptions } from "./cluster.js";
