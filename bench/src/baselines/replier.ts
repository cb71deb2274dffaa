// Baseline: a bare NATS replier in a queue group that answers each request with its own body.
import { connect } from "nats";
import { natsArgs, ready } from "./ready.js";

const { nats, subject } = natsArgs();
const nc = await connect({ servers: nats, name: "bench-replier" });
nc.subscribe(subject, { queue: "bench-replier", callback: (_err, msg) => msg.respond(msg.data) });
await nc.flush();
ready({});
