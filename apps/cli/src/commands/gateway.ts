import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { writeJson, writeLine } from "../io.js";
import { labelled } from "../labelled.js";
import { type ConnectionOptions, parseParams, withConnectionOptions } from "../options.js";
import { styleFor } from "../format/style.js";
import { withGateway } from "../run-gateway.js";
import { callFailure } from "../gateway-connection.js";
import { registerDiscover } from "./discover.js";
import { healthAction } from "./health.js";
import { statusAction } from "./status.js";

interface CallOptions extends ConnectionOptions {
  params?: string;
  expectFinal?: boolean;
}

/** `clawdbot gateway …`: call, discover, health, status. */
export function registerGateway(program: Command, io: CliIo): void {
  const gateway = program.command("gateway").description("Talk to a Gateway: call methods, discover gateways");

  withConnectionOptions(
    gateway
      .command("call")
      .description("Call a Gateway method")
      .argument("<method>", "Method name (health/status/system-presence/sessions.list/…)")
      .option("--params <json>", "JSON object string for params", "{}")
      .option("--expect-final", "Wait for final response (agent)", false),
  ).action(
    labelled("Gateway call failed", async (method: string, opts: CallOptions) => {
      const params = parseParams(opts.params);
      await withGateway(opts, io, async ({ client, timeoutMs }) => {
        let result: unknown;
        try {
          result = await client.call(method, params, { expectFinal: opts.expectFinal === true, timeoutMs });
        } catch (err) {
          throw callFailure(err, method);
        }
        if (opts.json) return writeJson(io.stdout, result);
        const style = styleFor(io.stdout, io.env);
        writeLine(io.stdout, `${style.heading("Gateway call")}: ${style.muted(method)}`);
        writeJson(io.stdout, result);
      });
    }),
  );

  registerDiscover(gateway, io);
  withConnectionOptions(gateway.command("health").description("Fetch Gateway health")).action(labelled("Gateway health failed", (opts: ConnectionOptions) => healthAction(opts, io)));
  withConnectionOptions(gateway.command("status").description("Show Gateway status")).action(labelled("Gateway status failed", (opts: ConnectionOptions) => statusAction(opts, io)));
}
