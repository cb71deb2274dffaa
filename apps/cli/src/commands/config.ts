import type { Command } from "commander";
import JSON5 from "json5";
import { CliError, ExitCode } from "../exit-codes.js";
import { callFailure } from "../gateway-connection.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { labelled } from "../labelled.js";
import { type ConnectionOptions, withConnectionOptions } from "../options.js";
import { withGateway } from "../run-gateway.js";
import { type PatchOp, buildPatch, formatConfigPath, getAtPath, parseConfigPath } from "../config-path.js";

interface Snapshot {
  exists?: boolean;
  valid?: boolean;
  parsed?: unknown;
  config?: unknown;
  hash?: string;
  issues?: { path: string; message: string }[];
}

/**
 * `clawdbot config get|set|unset <path>`, through the gateway: `config.get` reads, and
 * `config.patch` writes with the snapshot's hash as `baseHash`, so a change made meanwhile by
 * someone else is refused instead of overwritten.
 */
export function registerConfig(program: Command, io: CliIo): void {
  const config = program.command("config").description("Read and change the gateway's config file");

  withConnectionOptions(config.command("get").description("Print a config value (the whole config without a path)").argument("[path]", "e.g. gateway.port or agents.list[0].id")).action(
    labelled("Config get failed", async (pathText: string | undefined, opts: ConnectionOptions) => {
      const path = pathText === undefined ? [] : parseConfigPath(pathText);
      await withGateway(opts, io, async ({ client }) => {
        const snapshot = (await client.call("config.get", {}).catch((err: unknown) => {
          throw callFailure(err, "config.get");
        })) as Snapshot;
        const { found, value } = getAtPath(snapshot.config ?? {}, path);
        if (!found) throw new CliError(`Config path not found: ${formatConfigPath(path)}`, ExitCode.failed);
        if (opts.json || typeof value !== "string") writeJson(io.stdout, value);
        else writeLine(io.stdout, value);
      });
    }),
  );

  withConnectionOptions(
    config
      .command("set")
      .description("Set a config value (JSON5, else a plain string); objects are merged into what is there")
      .argument("<path>", "e.g. gateway.port")
      .argument("<value>", 'e.g. 18790, true, "text", {a: 1}'),
  ).action(
    labelled("Config set failed", async (pathText: string, valueText: string, opts: ConnectionOptions) => {
      await change(io, opts, parseConfigPath(pathText), { set: parseValue(valueText) });
    }),
  );

  withConnectionOptions(config.command("unset").description("Remove a config value").argument("<path>", "e.g. gateway.tailscale")).action(
    labelled("Config unset failed", async (pathText: string, opts: ConnectionOptions) => {
      await change(io, opts, parseConfigPath(pathText), { unset: true });
    }),
  );
}

/** JSON5 when it parses (numbers, booleans, objects, quoted strings), else the text itself. */
export function parseValue(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch {
    return text;
  }
}

async function change(io: CliIo, opts: ConnectionOptions, path: ReturnType<typeof parseConfigPath>, op: PatchOp): Promise<void> {
  await withGateway(opts, io, async ({ client }) => {
    const snapshot = (await client.call("config.get", {}).catch((err: unknown) => {
      throw callFailure(err, "config.get");
    })) as Snapshot;
    if (snapshot.exists && snapshot.valid === false) {
      const issues = (snapshot.issues ?? []).map((i) => `${i.path}: ${i.message}`).join("; ");
      throw new CliError(`the config file is invalid; fix it first${issues ? ` (${issues})` : ""}`, ExitCode.failed);
    }
    const patch = buildPatch(snapshot.parsed ?? {}, path, op);
    const params = { raw: JSON.stringify(patch), ...(snapshot.hash ? { baseHash: snapshot.hash } : {}) };
    const result = (await client.call("config.patch", params).catch((err: unknown) => {
      throw callFailure(err, "config.patch");
    })) as { path?: string; plan?: { restart?: boolean } | null };
    if (opts.json) return writeJson(io.stdout, result);
    const what = "unset" in op ? "Removed" : "Updated";
    const restart = result.plan?.restart ? " Edges restart their listeners to apply it." : "";
    writeLine(io.stdout, `${what} ${formatConfigPath(path)}${result.path ? ` in ${result.path}` : ""}.${restart}`);
  });
}
