import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilent, Logger } from "pino";

type LogArguments = [unknown, ...unknown[]];

/**
 * A request's logger that becomes a real pino child only when a line is actually written.
 * Fastify makes a child per request, and pino pays for it up front (bindings serialised
 * through the redaction paths); at `warn` most requests never log, so most never pay.
 */
class LazyChildLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): LevelWithSilent {
    return (this.#child?.level ?? this.parent.level) as LevelWithSilent;
  }

  set level(level: LevelWithSilent) {
    this.#real().level = level;
  }

  fatal(...args: LogArguments): void {
    this.#write("fatal", args);
  }
  error(...args: LogArguments): void {
    this.#write("error", args);
  }
  warn(...args: LogArguments): void {
    this.#write("warn", args);
  }
  info(...args: LogArguments): void {
    this.#write("info", args);
  }
  debug(...args: LogArguments): void {
    this.#write("debug", args);
  }
  trace(...args: LogArguments): void {
    this.#write("trace", args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }

  #write(level: Level, args: LogArguments): void {
    // A child with its own level decides for itself; otherwise the parent's level does.
    if (this.#child === undefined && !this.parent.isLevelEnabled(level)) return;
    (this.#real()[level] as (...values: unknown[]) => void)(...args);
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options) as FastifyBaseLogger;
    return this.#child;
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger as Logger, bindings, options);
}
