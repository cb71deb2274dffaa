import { parseArgs } from "node:util";

/** Tells the bench a baseline server is up: one JSON line on stdout. */
export function ready(info: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ready: true, ...info })}\n`);
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}

/** `--nats <url> --subject <subject>` of the baselines that talk to NATS. */
export function natsArgs(): { nats: string; subject: string } {
  const { values } = parseArgs({ options: { nats: { type: "string" }, subject: { type: "string" } } });
  if (!values.nats || !values.subject) throw new Error("--nats and --subject are required");
  return { nats: values.nats, subject: values.subject };
}
