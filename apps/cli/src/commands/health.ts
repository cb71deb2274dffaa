import { healthLines } from "../format/health.js";
import { styleFor } from "../format/style.js";
import { callFailure } from "../gateway-connection.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import type { ConnectionOptions } from "../options.js";
import { withGateway } from "../run-gateway.js";

/** `clawdbot health`: the gateway's `health` (its HealthSummary, plus live services and edges). */
export async function healthAction(opts: ConnectionOptions, io: CliIo): Promise<void> {
  await withGateway(opts, io, async ({ client }) => {
    const result = await client.call("health").catch((err: unknown) => {
      throw callFailure(err, "health");
    });
    if (opts.json) return writeJson(io.stdout, result);
    for (const line of healthLines(result, styleFor(io.stdout, io.env))) writeLine(io.stdout, line);
  });
}
