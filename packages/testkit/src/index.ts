export { NatsCluster, NatsServer, startNatsCluster, startNatsServer } from "@clawdbot/natsd";
export { useNatsServer } from "./nats-fixture.js";
export type { NatsFixture, NatsFixtureOptions } from "./nats-fixture.js";
export { AppProcess, spawnApp } from "./app-process.js";
export type { LogLine, SpawnAppOptions } from "./app-process.js";
export { RawClient, connectParams } from "./raw-client.js";
export type { ConnectOverrides, Frame } from "./raw-client.js";
export { waitFor } from "./wait-for.js";
export { enableLoopbackMulticast, loopbackMulticastProblem, testMdnsPort } from "./multicast.js";
