// Reads and validates the YAML config. An invalid file is reported whole: one `path: message` line
// per problem, so start-up fails once with everything to fix.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

export const demoConfigPath = fileURLToPath(new URL('./demo.yaml', import.meta.url));

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** Parses YAML text into a validated config; relative folders resolve against `baseDir`. */
export function parseConfig(text: string, file = '<config>', baseDir = process.cwd()): Config {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `${e.linePos?.[0] ? `line ${e.linePos[0].line}` : '(yaml)'}: ${e.message.split('\n')[0]}`),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // An alias to no anchor, or aliases past the library's count (a YAML bomb), fail only here.
    throw new ConfigError(file, [`(yaml): ${(err as Error).message.split('\n')[0] ?? String(err)}`]);
  }
  const result = configSchema.safeParse(data);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));
  const cfg = result.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  cfg.data.dir = abs(cfg.data.dir);
  cfg.recordings.dir = abs(cfg.recordings.dir);
  return cfg;
}

/** Loads a config file; the demo config when no path is given. Relative folders resolve against the cwd. */
export function loadConfig(path?: string): Config {
  const file = path ?? demoConfigPath;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`(file): cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, file, path ? dirname(resolve(file)) : process.cwd());
}
