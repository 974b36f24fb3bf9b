// The script expression language: text with `${params.NAME}` and `${vars.NAME}` placeholders, and
// nothing else. No operators, no calls, no eval: a script file is configuration, so it must not be
// able to run code. Also the dial-string rule every number the server calls follows. Pure code: it
// runs inside workflows.

export type Namespace = 'params' | 'vars';

export interface Ref {
  ns: Namespace;
  name: string;
}

export type Part = { text: string } | { ref: Ref };

export type ParseResult = { ok: true; parts: Part[] } | { ok: false; message: string };

const PLACEHOLDER = /^\s*(params|vars)\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/** Splits an expression into text and references; `${` always opens a placeholder (no escape). */
export function parseExpression(source: string): ParseResult {
  const parts: Part[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('${', i);
    if (open < 0) {
      parts.push({ text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: source.slice(i, open) });
    const close = source.indexOf('}', open + 2);
    if (close < 0) return { ok: false, message: `unterminated "\${" at character ${open + 1}` };
    const inner = source.slice(open + 2, close);
    const m = PLACEHOLDER.exec(inner);
    if (!m) return { ok: false, message: `"\${${inner}}" is not \${params.NAME} or \${vars.NAME}` };
    parts.push({ ref: { ns: m[1] as Namespace, name: m[2] as string } });
    i = close + 1;
  }
  return { ok: true, parts };
}

export function expressionRefs(source: string): Ref[] {
  const parsed = parseExpression(source);
  if (!parsed.ok) return [];
  return parsed.parts.flatMap((p) => ('ref' in p ? [p.ref] : []));
}

/** The single reference an expression consists of, e.g. `${params.calltimeout}`; else undefined. */
export function singleRef(source: string): Ref | undefined {
  const parsed = parseExpression(source.trim());
  if (!parsed.ok || parsed.parts.length !== 1) return undefined;
  const only = parsed.parts[0];
  return only && 'ref' in only ? only.ref : undefined;
}

/** Fills the placeholders. Scripts are validated before they run, so a bad one stays as written. */
export function interpolate(source: string, lookup: (ref: Ref) => string): string {
  const parsed = parseExpression(source);
  if (!parsed.ok) return source;
  return parsed.parts.map((p) => ('ref' in p ? lookup(p.ref) : p.text)).join('');
}

/** How a value reads inside text and in `branch` tests. */
export function valueText(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value);
}

/** `branch` truth: anything but "", "false", "0" and "no" (any case, trimmed). */
export function isTruthy(text: string): boolean {
  const t = text.trim().toLowerCase();
  return t !== '' && t !== 'false' && t !== '0' && t !== 'no';
}

// --- Dial strings -------------------------------------------------------------------------------

const PAUSES = new Set(["'", ',']);

export interface DialString {
  /** What is dialled (INVITE Request-URI user part, or REFER's Refer-To). */
  number: string;
  /** Digits to send after the answer, pauses kept: every `'` or `,` in it is one second. */
  dtmf: string;
}

/** The spec's rule: the first `'` or `,` starts the DTMF part; it is a separator, not a pause. */
export function splitDialString(text: string): DialString {
  for (let i = 0; i < text.length; i++) {
    if (PAUSES.has(text[i] as string)) return { number: text.slice(0, i), dtmf: text.slice(i + 1) };
  }
  return { number: text, dtmf: '' };
}

const DTMF_DIGIT = /[0-9*#A-Da-d]/;

/** Keeps digits and pauses only: a DTMF string from a parameter must not smuggle anything else. */
export function cleanDtmf(text: string): string {
  let out = '';
  for (const ch of text) if (PAUSES.has(ch) || DTMF_DIGIT.test(ch)) out += ch.toUpperCase();
  return out;
}

export function startsWithPause(queue: string): boolean {
  return queue.length > 0 && PAUSES.has(queue[0] as string);
}

/** The run of digits at the head of the queue: what one `sendDtmf` call sends. */
export function leadingDigits(queue: string): string {
  let i = 0;
  while (i < queue.length && !PAUSES.has(queue[i] as string)) i++;
  return queue.slice(0, i);
}
