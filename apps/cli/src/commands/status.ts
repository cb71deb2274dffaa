import { statusLines } from "../format/health.js";
import { styleFor } from "../format/style.js";
import { callFailure } from "../gateway-connection.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import type { ConnectionOptions } from "../options.js";
import { withGateway } from "../run-gateway.js";

/** `clawdbot status`: the gateway's `status`, with where it is and what it serves. */
export async function statusAction(opts: ConnectionOptions, io: CliIo): Promise<void> {
  await withGateway(opts, io, async ({ client, hello, settings }) => {
    const result = await client.call("status").catch((err: unknown) => {
      throw callFailure(err, "status");
    });
    if (opts.json) return writeJson(io.stdout, result);
    const context = { url: settings.url, serverVersion: hello.server.version, methods: hello.features.methods.length };
    for (const line of statusLines(result, context, styleFor(io.stdout, io.env))) writeLine(io.stdout, line);
  });
}
