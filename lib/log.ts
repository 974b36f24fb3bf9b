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
  const base = opts.fields ?? {};
  const component = opts.component ?? 'callctl';

  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (order[level] < min) return;
    let line = `${new Date().toISOString()} ${level.padEnd(5)} ${component} ${msg}`;
    for (const [k, v] of Object.entries({ ...base, ...fields })) {
      if (v !== undefined && v !== null) line += ` ${k}=${formatValue(v)}`;
    }
    sink(line);
  };

  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (c, f) =>
      createLogger({ level: opts.level, component: `${component}/${c}`, fields: { ...base, ...f }, sink }),
  };
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ sink: () => {} });
