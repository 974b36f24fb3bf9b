// Building blocks shared by the route schemas. Every message is written to follow "<parameter>: ",
// so a client learns from one 1400 which parameter to fix and how.
import { z } from 'zod';
import { ApiError } from './errors.ts';

/** A message for a wrong value, and "is required" when the parameter is missing. */
export function msg(message: string): { error: (iss: { input?: unknown }) => string } {
  return { error: (iss) => (iss.input === undefined ? 'is required' : message) };
}

export function intRange(min: number, max: number): z.ZodInt {
  const m = `must be an integer from ${min} to ${max}`;
  return z.int(msg(m)).min(min, m).max(max, m);
}

export const bool = (): z.ZodBoolean => z.boolean(msg('must be true or false'));

// Printable text without control characters: values end up in SIP headers and log lines.
const printable = /^[^\x00-\x1f\x7f]*$/;

export function text(max: number, what = 'a string'): z.ZodString {
  const m = `must be ${what} of 1 to ${max} characters without control characters`;
  return z.string(msg(m)).min(1, m).max(max, m).regex(printable, m);
}

/** Numbers are often sent as JSON numbers; they are accepted and used as their decimal string. */
export function numberish(pattern: RegExp, what: string, max = 64) {
  const m = `must be ${what}`;
  return z
    .union([z.string(), z.number().int(m).nonnegative(m)], msg(m))
    .transform((v) => String(v))
    .pipe(z.string().max(max, `${m} (at most ${max} characters)`).regex(pattern, m));
}

export const dialogIdPattern = /^rDlg-[0-9]{3}-[A-Za-z0-9]{6}$/;
export const confIdPattern = /^rCF-[0-9]{3}-[A-Za-z0-9]{6}$/;

/**
 * A number to call, optionally followed by DTMF to dial after the answer: the first ' or , starts
 * the DTMF part, every further one is a one-second pause. A leading + is allowed for E.164 numbers.
 */
export const dialPattern = /^\+?[0-9*#]+(?:[',][0-9*#A-D',]*)?$/;
export const dialString = () =>
  numberish(dialPattern, "a number (digits, * or #), optionally followed by ' or , and DTMF (0-9 * # A-D ' ,)");

export function splitDialString(s: string): { number: string; dtmf: string } {
  const i = s.search(/[',]/);
  return i < 0 ? { number: s, dtmf: '' } : { number: s.slice(0, i), dtmf: s.slice(i + 1) };
}

export const responseMode = (): z.ZodDefault<z.ZodInt> => intRange(0, 5).default(2);
export const label = (): z.ZodString => text(256, 'a label');
export const binding = (): z.ZodOptional<z.ZodString> => label().optional();
export const side = (): z.ZodEnum<{ a: 'a'; b: 'b' }> => z.enum(['a', 'b'], msg('must be "a" or "b"'));
export const callid = (): z.ZodString => text(256, 'a Call-ID');
/** `by`: a side, a leg's Call-ID, or a participant's URI, number or login. */
export const by = (): z.ZodString => text(256, 'a side (a, b), a Call-ID, a URI or a number');

/** RFC 9110 token: the event name of a NOTIFY. */
export const eventToken = (): z.ZodString => {
  const m = 'must be an event name (an RFC 9110 token, e.g. talk, hold, conference)';
  return z.string(msg(m)).max(64, m).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, m);
};

export const layer = (): z.ZodDefault<z.ZodString> => {
  const m = 'must be a layer name of 1 to 64 letters, digits, . _ -';
  return z.string(msg(m)).regex(/^[A-Za-z0-9._-]{1,64}$/, m).default('default');
};

/** Parses input with a route schema; every issue becomes part of one 1400 message. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ApiError(1400, formatIssues(r.error.issues));
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const seen = new Set<string>();
  for (const i of issues.flatMap(explainUnion)) seen.add(`${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`);
  return [...seen].join('; ');
}

/**
 * A union failing as a whole says little ("must be a label or an array of labels"). When only one
 * branch got past the type check, its own issues are the useful ones: `label.1: must be a label`.
 */
function explainUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const wrongType = (branch: readonly z.core.$ZodIssue[]) => branch.every((e) => e.code === 'invalid_type' && e.path.length === 0);
  const informative = issue.errors.filter((branch) => !wrongType(branch));
  if (informative.length !== 1) return [issue];
  return informative[0]!.flatMap((e) => explainUnion({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue));
}
