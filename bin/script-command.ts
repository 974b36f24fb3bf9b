// `callctl script …`: check a service script file, or draw the machine it compiles to.
//   callctl script validate FILE                           OK, or every problem as `path: message`
//   callctl script draw FILE [--format mermaid|dot]        the compiled machine as a diagram
// FILE may also be `builtin:NAME` (post, invite, refer, referreplaces, switchconf).
import { parseArgs } from 'node:util';
import { toDot, toMermaid } from '../service-scripts/draw.ts';
import { BUILTIN_SCRIPTS, builtinScriptPath, formatIssue, loadScriptFile, ScriptError, type BuiltinScript } from '../service-scripts/load.ts';
import type { CompiledScript } from '../service-scripts/types.ts';

export const scriptUsage = `usage: callctl script <command> FILE
  validate FILE                          check a service script: OK, or every problem as "path: message"
  draw     FILE [--format mermaid|dot]   print the compiled state machine (default mermaid)
FILE is a YAML or JSON file, or builtin:NAME (${BUILTIN_SCRIPTS.join(', ')})`;

export interface ScriptCommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIO: ScriptCommandIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

function resolveFile(file: string): string {
  if (!file.startsWith('builtin:')) return file;
  const name = file.slice('builtin:'.length);
  if (!(BUILTIN_SCRIPTS as readonly string[]).includes(name)) throw new UsageError(`no built-in script "${name}"`);
  return builtinScriptPath(name as BuiltinScript);
}

class UsageError extends Error {}

/** Exit codes: 0 fine, 1 the script is invalid (or unreadable), 2 bad usage. */
export async function runScriptCommand(argv: string[], io: ScriptCommandIO = processIO): Promise<number> {
  let compiled: CompiledScript;
  let command: string | undefined;
  let format: string;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string', short: 'f', default: 'mermaid' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      io.out(`${scriptUsage}\n`);
      return 0;
    }
    command = positionals[0];
    format = values.format;
    if (command !== 'validate' && command !== 'draw') throw new UsageError(command ? `unknown script command "${command}"` : 'missing command');
    if (positionals.length !== 2) throw new UsageError(`${command} takes exactly one FILE`);
    if (format !== 'mermaid' && format !== 'dot') throw new UsageError(`unknown format "${format}": mermaid or dot`);
    compiled = loadScriptFile(resolveFile(positionals[1] as string));
  } catch (err) {
    if (err instanceof ScriptError) {
      // The problems are this command's output, so they go to stdout like any report.
      io.out(`${err.file}: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}\n`);
      for (const issue of err.issues) io.out(`${formatIssue(issue)}\n`);
      return 1;
    }
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(err as Error).message}\n${scriptUsage}\n`);
      return 2;
    }
    throw err;
  }

  if (command === 'validate') {
    const steps = Object.keys(compiled.machine.states).filter((s) => !s.startsWith('__')).length;
    const legs = Object.keys(compiled.legs).join(', ') || 'none';
    io.out(`OK: script "${compiled.name}", ${steps} steps, legs: ${legs}\n`);
    return 0;
  }
  io.out(format === 'dot' ? toDot(compiled) : toMermaid(compiled));
  return 0;
}
