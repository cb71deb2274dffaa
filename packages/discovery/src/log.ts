/** The logging this package needs; a pino logger fits. */
export interface DiscoveryLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
