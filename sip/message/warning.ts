// Warning (RFC 3261 §20.43): warn-code SP warn-agent SP warn-text, the code exactly three digits.
import { Cursor, DIGIT, VIA_VALUE, allOf, unquote } from './grammar.ts';

export interface Warning {
  readonly code: number;
  /** hostport or pseudonym of the element that added the warning. */
  readonly agent: string;
  /** The text without quotes. */
  readonly text: string;
}

export function parseWarning(value: string): Warning {
  const c: Cursor = new Cursor(value, 'Warning');
  c.sws();
  const digits = c.run(DIGIT);
  if (digits.length !== 3) c.fail();
  c.lws();
  const start = c.i;
  while (!c.done && c.peek() !== 0x20 && c.peek() !== 0x09) c.i++;
  const agent = c.s.slice(start, c.i);
  // warn-agent = hostport / pseudonym: host characters, a port, or a token.
  if (!allOf(agent, VIA_VALUE)) c.fail();
  c.lws();
  const text = unquote(c.quoted());
  c.end();
  return { code: Number(digits), agent, text };
}
