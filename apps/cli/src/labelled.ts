import { CliError } from "./exit-codes.js";
import { callFailure } from "./gateway-connection.js";

/**
 * Runs a command's action; a failure leaves as a CliError whose message starts with the
 * command's label, as the original prints them ("Gateway call failed: …").
 */
export function labelled<A extends unknown[]>(label: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const failure = err instanceof CliError ? err : callFailure(err, label);
      throw new CliError(`${label}: ${failure.message}`, failure.exitCode, { cause: failure.cause ?? failure });
    }
  };
}
