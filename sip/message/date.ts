// Date (RFC 3261 §20.17): SIP-date = rfc1123-date, always in GMT (RFC 4475 §3.1.2.12 rejects EST).
import { malformed } from './errors.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT$/;

/** rfc1123-date = wkday "," SP date1 SP time SP "GMT". Throws SipParseError. */
export function parseSipDate(value: string): Date {
  const m = RFC1123.exec(value);
  if (!m) throw malformed('Date');
  const [, , dd, mon, yyyy, hh, mi, ss] = m;
  const day = Number(dd);
  const month = MONTHS.indexOf(mon ?? '');
  const year = Number(yyyy);
  const t = Date.UTC(year, month, day, Number(hh), Number(mi), Number(ss));
  const d = new Date(t);
  // Date.UTC rolls 31 Feb over into March; a date that moved was not a date.
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) {
    throw malformed('Date');
  }
  return d;
}

export function formatSipDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} GMT`;
}
