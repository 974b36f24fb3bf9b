// Content-Type (RFC 3261 §20.15): media-type = m-type SLASH m-subtype *(SEMI m-parameter).
import { Cursor, formatParams, readParams, type Params } from './grammar.ts';

export interface ContentType {
  /** Lower case, as media types compare case-insensitively: "application". */
  readonly type: string;
  /** Lower case: "sdp". */
  readonly subtype: string;
  /** Parameters (boundary, charset, ...), values as written. */
  readonly params: Params;
}

export function parseContentType(value: string): ContentType {
  const c: Cursor = new Cursor(value, 'Content-Type');
  c.sws();
  const type = c.token().toLowerCase();
  c.expect(0x2f);
  const subtype = c.token().toLowerCase();
  const params = new Map<string, string | null>();
  readParams(c, params);
  c.end();
  // m-parameter = m-attribute EQUAL m-value: a parameter without value is malformed.
  for (const v of params.values()) if (v === null) c.fail();
  return { type, subtype, params };
}

export function formatContentType(ct: ContentType): string {
  return `${ct.type}/${ct.subtype}${formatParams(ct.params)}`;
}
