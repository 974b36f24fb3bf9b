// One-line structured logs: `ts level component msg key=value …`. Dialog and operation ids go in
// the fields so a grep for one id shows the whole life of a call.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null>;

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(component: string, fields?: LogFields): Logger;
}

export type LogSink = (line: string) => void;

function formatValue(v: string | number | boolean): string {
  const s = String(v);
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

export function createLogger(opts: {
  level?: LogLevel;
  component?: string;
  fields?: LogFields;
  sink?: LogSink;
}): Logger {
  const min = order[opts.level ?? (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? order.info;
  const sink: LogSink = opts.sink ?? ((line) => process.stderr.write(line + '\n'));
  return new LineLogger(min, opts.component ?? 'callctl', undefined, opts.fields && { ...opts.fields }, sink);
}

/**
 * Loggers are made per call and per relay session, and most of their lines are below the level:
 * a child costs one small object (its fields are merged only when a line is written), and a line
 * below the level returns before anything is built.
 */
class LineLogger implements Logger {
  readonly #min: number;
  readonly #component: string;
  readonly #parent: LineLogger | undefined;
  readonly #fields: LogFields | undefined;
  readonly #sink: LogSink;

  constructor(min: number, component: string, parent: LineLogger | undefined, fields: LogFields | undefined, sink: LogSink) {
    this.#min = min;
    this.#component = component;
    this.#parent = parent;
    this.#fields = fields;
    this.#sink = sink;
  }

  debug(msg: string, fields?: LogFields): void {
    if (order.debug >= this.#min) this.#write('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    if (order.info >= this.#min) this.#write('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    if (order.warn >= this.#min) this.#write('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    if (order.error >= this.#min) this.#write('error', msg, fields);
  }

  child(component: string, fields?: LogFields): Logger {
    return new LineLogger(this.#min, `${this.#component}/${component}`, this, fields && { ...fields }, this.#sink);
  }

  /** The fields of this logger and its parents, the parents' first (a child's value wins). */
  #merge(into: Record<string, LogFields[string]>): void {
    if (this.#parent) this.#parent.#merge(into);
    if (this.#fields) Object.assign(into, this.#fields);
  }

  #write(level: LogLevel, msg: string, fields?: LogFields): void {
    const all: Record<string, LogFields[string]> = {};
    this.#merge(all);
    if (fields) Object.assign(all, fields);
    let line = `${new Date().toISOString()} ${level.padEnd(5)} ${this.#component} ${msg}`;
    for (const [k, v] of Object.entries(all)) {
      if (v !== undefined && v !== null) line += ` ${k}=${formatValue(v)}`;
    }
    this.#sink(line);
  }
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger: Logger = new LineLogger(Infinity, 'callctl', undefined, undefined, () => {});
