// Call-Info (§20.9), Alert-Info (§20.4) and Error-Info (§20.18): `<absoluteURI>` with parameters.
import { Cursor, readParams, unquote, type Params } from './grammar.ts';
import { parseUri, type Uri } from './uri.ts';

export interface InfoValue {
  readonly uri: Uri;
  readonly params: Params;
  /** Call-Info's purpose parameter: icon, info, card or an extension token. */
  readonly purpose: string | undefined;
}

/** info = LAQUOT absoluteURI RAQUOT *( SEMI info-param ). `header` names the header for errors. */
export function parseInfo(value: string, header: string): InfoValue {
  const c: Cursor = new Cursor(value, header);
  c.sws();
  if (c.peek() !== 0x3c) c.fail();
  const close = c.s.indexOf('>', c.i);
  if (close < 0) c.fail();
  const uri = parseUri(c.s.slice(c.i + 1, close), header);
  c.i = close + 1;
  const params = new Map<string, string | null>();
  readParams(c, params);
  c.end();
  const purpose = params.get('purpose');
  if (purpose === null) c.fail();
  return { uri, params, purpose: purpose === undefined ? undefined : unquote(purpose) };
}
