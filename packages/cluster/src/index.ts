export { APP_NAMES, AppProcess } from "./app-process.js";
export type { AppName, AppProcessOptions, LogLine } from "./app-process.js";
export { Cluster, SERVICE_NAMES, freePort, startCluster } from "./cluster.js";
export type { ClusterOptions } from "./cluster.js";
export { HAPROXY_INSTALL_HINT, Haproxy, HaproxyNotFoundError, findHaproxyBinary, renderHaproxyConfig } from "./haproxy.js";
export type { Backend, HaproxyOptions, RenderOptions, ServerState } from "./haproxy.js";
export { raiseReplicas, underReplicated } from "./replication.js";
