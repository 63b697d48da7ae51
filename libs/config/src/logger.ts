/** The logging surface the libs and apps need (pino's shape), so tests can pass a silent one. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
