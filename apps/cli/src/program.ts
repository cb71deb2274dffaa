import { Command, CommanderError } from "commander";
import { registerChat } from "./commands/chat.js";
import { registerConfig } from "./commands/config.js";
import { registerGateway } from "./commands/gateway.js";
import { healthAction } from "./commands/health.js";
import { registerSessions } from "./commands/sessions.js";
import { statusAction } from "./commands/status.js";
import { CliError, EXIT_CODES_HELP, ExitCode } from "./exit-codes.js";
import { type CliIo, writeLine } from "./io.js";
import { labelled } from "./labelled.js";
import { type ConnectionOptions, withConnectionOptions } from "./options.js";
import { CLI_VERSION } from "./version.js";

/** The `clawdbot` command tree, writing to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("clawdbot")
    .description("Talk to a Clawdbot Gateway: call methods, discover gateways, chat.")
    .version(CLI_VERSION)
    .addHelpText(
      "after",
      `\nConnection: --url, then CLAWDBOT_GATEWAY_URL, then the config file (gateway.port, or gateway.remote.url in remote mode);\n--token/--password, then CLAWDBOT_GATEWAY_TOKEN/_PASSWORD, then gateway.auth.* (gateway.remote.* in remote mode).\n\n${EXIT_CODES_HELP}\n`,
    )
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  registerGateway(program, io);
  withConnectionOptions(program.command("health").description("Fetch Gateway health")).action(labelled("Health failed", (opts: ConnectionOptions) => healthAction(opts, io)));
  withConnectionOptions(program.command("status").description("Show Gateway status")).action(labelled("Status failed", (opts: ConnectionOptions) => statusAction(opts, io)));
  registerConfig(program, io);
  registerSessions(program, io);
  registerChat(program, io);
  return program;
}

/** Runs one command line; resolves with the exit code (see EXIT_CODES_HELP). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.usage;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit 0; commander has already printed any usage error.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof CliError) {
      writeLine(io.stderr, err.message);
      return err.exitCode;
    }
    writeLine(io.stderr, `clawdbot: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return ExitCode.failed;
  }
}
