/**
 * Exit codes a script can rely on. Documented in the README and in `clawdbot --help`.
 */
export const ExitCode = {
  ok: 0,
  /** The gateway answered with an error, or something else failed. */
  failed: 1,
  /** Bad command line (unknown flag, invalid --params / --timeout), or an unreadable config file. */
  usage: 2,
  /** The gateway could not be reached: refused, unknown host, no hello-ok in time, dropped mid-call. */
  unreachable: 3,
  /** The gateway refused the credentials (wrong or missing token/password, pairing required). */
  auth: 4,
  /** No answer within --timeout. */
  timeout: 5,
  /** Stopped by Ctrl-C (outside `chat`, where Ctrl-C aborts the reply). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    the gateway answered with an error (or another failure)
  2    usage error: bad flags or arguments, unreadable config file
  3    gateway unreachable: connection refused, unknown host, no handshake in time, connection lost
  4    authentication refused: wrong or missing token/password, pairing required
  5    timed out waiting for the answer (--timeout)
  130  interrupted (Ctrl-C)`;

/** A failure with the message to print and the exit code to leave with. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
