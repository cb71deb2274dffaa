import { ErrorCodes, GatewayError, type GatewayClient, type AnyHelloOk } from "@clawdbot/protocol";
import { NodeWebSocket, type WebSocketConstructor, createGatewayClient } from "@clawdbot/protocol/ws";
import type { ConnectionSettings } from "./connection-settings.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { CLI_VERSION } from "./version.js";

export interface OpenOptions {
  /** Budget for reaching hello-ok (and, for one-shot commands, for the answer). */
  timeoutMs: number;
  /** Reconnect after a drop (chat); one-shot commands fail instead. */
  reconnect?: boolean;
  onClose?: (info: { code: number; reason: string; wasOpen: boolean }) => void;
  onReconnect?: (info: { attempt: number; delayMs: number }) => void;
}

export interface OpenGateway {
  client: GatewayClient;
  hello: AnyHelloOk;
}

/** Operator scopes the original's CLI asks for (spec §10.2). */
const CLI_SCOPES = ["operator.admin", "operator.approvals", "operator.pairing"];

/**
 * Connects as the original's CLI does (client id `cli`, mode `cli`, the operator scopes) and
 * resolves with hello-ok, or fails with a message that says what went wrong and the exit code
 * for it: refused or unknown host (3), credentials refused (4).
 */
export async function openGateway(settings: ConnectionSettings, options: OpenOptions): Promise<OpenGateway> {
  const socketErrors: { last?: Error } = {};
  let opened = false;
  const client = createGatewayClient({
    url: settings.url,
    WebSocket: trackingWebSocket(socketErrors),
    ...(settings.token !== undefined ? { token: settings.token } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    client: { id: "cli", mode: "cli", version: CLI_VERSION, platform: process.platform },
    role: "operator",
    scopes: CLI_SCOPES,
    connectTimeoutMs: options.timeoutMs,
    requestTimeoutMs: options.timeoutMs,
    reconnect: options.reconnect ? {} : false,
    onClose: (info) => {
      // Before the first hello-ok a socket failure (refused, unknown host) will not mend by
      // retrying for the whole timeout: stop, and say what failed.
      if (!opened && socketErrors.last) client.close();
      options.onClose?.(info);
    },
    ...(options.onReconnect ? { onReconnect: options.onReconnect } : {}),
  });
  try {
    const hello = await client.connect();
    opened = true;
    return { client, hello };
  } catch (err) {
    client.close();
    throw connectFailure(err, settings, options.timeoutMs, socketErrors.last);
  }
}

/** `ws`, remembering the last socket error: the client only sees "closed 1006", not why. */
function trackingWebSocket(sink: { last?: Error }): WebSocketConstructor {
  const Base = NodeWebSocket as unknown as new (url: string, protocols?: string | string[]) => { on(event: "error", fn: (err: Error) => void): void };
  class TrackingWebSocket extends Base {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.on("error", (err) => (sink.last = err));
    }
  }
  return TrackingWebSocket as unknown as WebSocketConstructor;
}

function connectFailure(err: unknown, settings: ConnectionSettings, timeoutMs: number, socketError: Error | undefined): CliError {
  const url = settings.url;
  if (err instanceof GatewayError && isAuthRefusal(err)) {
    const hint = settings.token || settings.password ? ` (${describeSecret(settings)})` : " (no token or password given: --token, CLAWDBOT_GATEWAY_TOKEN or gateway.auth.token)";
    return new CliError(`gateway refused the connection: ${err.message}${hint}`, ExitCode.auth, { cause: err });
  }
  if (socketError) {
    const code = (socketError as NodeJS.ErrnoException).code;
    if (code === "ECONNREFUSED") return new CliError(`connection refused at ${url}: is the gateway running? (\`pnpm dev\` starts one)`, ExitCode.unreachable, { cause: err });
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new CliError(`cannot resolve the host of ${url}`, ExitCode.unreachable, { cause: err });
    return new CliError(`cannot connect to ${url}: ${socketError.message}`, ExitCode.unreachable, { cause: err });
  }
  if (err instanceof GatewayError && (err.kind === "timeout" || err.code === ErrorCodes.UNAVAILABLE)) {
    return new CliError(`no handshake with ${url} within ${timeoutMs} ms: ${err.message}`, ExitCode.unreachable, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`cannot connect to ${url}: ${message}`, err instanceof GatewayError ? ExitCode.failed : ExitCode.unreachable, { cause: err });
}

function isAuthRefusal(err: GatewayError): boolean {
  return err.code === ErrorCodes.NOT_PAIRED || err.kind === "unauthorized" || /^unauthorized\b/i.test(err.message) || /pairing required/i.test(err.message);
}

function describeSecret(settings: ConnectionSettings): string {
  if (settings.token) return `token from ${settings.sources.token}`;
  return `password from ${settings.sources.password}`;
}

/**
 * What a failed call means for the exit code: the gateway's own error (1), the connection lost
 * before the answer (3), or no answer within the timeout (5).
 */
export function callFailure(err: unknown, method: string): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof GatewayError) {
    if (err.kind === "timeout" && /timed out after/.test(err.message)) return new CliError(err.message, ExitCode.timeout, { cause: err });
    if (/^gateway closed \(/.test(err.message)) return new CliError(`connection lost before ${method} answered: ${err.message}`, ExitCode.unreachable, { cause: err });
    if (isAuthRefusal(err)) return new CliError(err.message, ExitCode.auth, { cause: err });
    return new CliError(err.message, ExitCode.failed, { cause: err });
  }
  return new CliError(err instanceof Error ? err.message : String(err), ExitCode.failed, { cause: err });
}
