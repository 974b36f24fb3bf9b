// A strict SDP parser (RFC 4566). Strict where a mistake would send media to the wrong place or
// hide a codec (v/o/s, c=, m=, rtpmap, fmtp, rtcp, direction, ptime); verbatim for everything else,
// so unknown attributes and lines we do not act on reach the other leg unchanged and in order.
// Anything wrong throws an SdpError; nothing else ever leaves this function.
import { SdpError } from './sdp-error.ts';
import { DIGITS_RE, TOKEN_RE, isRtpProto, isValidAddress, parsePort, parseUint } from './sdp-grammar.ts';
import { SDP_DEFAULT_LIMITS, type SdpLimits } from './sdp-limits.ts';
import type {
  Sdp,
  SdpAddressType,
  SdpConnectionLine,
  SdpDirection,
  SdpLine,
  SdpMedia,
  SdpOrigin,
  SdpRtcpLine,
} from './sdp-types.ts';

export interface SdpParseOptions extends Partial<SdpLimits> {
  /**
   * A type letter RFC 4566 does not define. The RFC says to ignore such a description entirely,
   * hence 'reject' by default; 'keep' passes the line on verbatim (for odd devices such as
   * GB28181 cameras sending `y=`).
   */
  readonly unknownLineTypes?: 'reject' | 'keep';
}

/** Letters RFC 4566 defines, and where they may appear (m= itself opens a media section). */
const SESSION_FIELDS = new Set(['i', 'u', 'e', 'p', 'b', 't', 'r', 'z', 'k']);
const MEDIA_FIELDS = new Set(['i', 'b', 'k']);
const KNOWN_LETTERS = new Set(['v', 'o', 's', 'i', 'u', 'e', 'p', 'c', 'b', 't', 'r', 'z', 'k', 'a', 'm']);
const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

const RTPMAP_RE = /^([0-9]{1,3}) ([^ /]+)\/([0-9]{1,9})(?:\/([^ /]+))?$/;
const FMTP_RE = /^([^ ]+) ([^]*)$/;
const PTIME_RE = /^[0-9]{1,6}(?:\.[0-9]{1,6})?$/;
const NON_SPACE_RE = /^\S+$/;
const PROTO_RE = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

const decoder = new TextDecoder('utf-8', { fatal: true });

interface RawLine {
  readonly letter: string;
  readonly value: string;
  /** 1-based, for error messages. */
  readonly no: number;
}

export function parseSdp(input: string | Uint8Array, options: SdpParseOptions = {}): Sdp {
  const limits: SdpLimits = {
    maxBytes: options.maxBytes ?? SDP_DEFAULT_LIMITS.maxBytes,
    maxLines: options.maxLines ?? SDP_DEFAULT_LIMITS.maxLines,
    maxMedia: options.maxMedia ?? SDP_DEFAULT_LIMITS.maxMedia,
  };
  const text = decode(input, limits.maxBytes);
  const lines = splitLines(text, limits.maxLines);
  return new Parser(lines, limits, options.unknownLineTypes ?? 'reject').parse();
}

function decode(input: string | Uint8Array, maxBytes: number): string {
  if (typeof input === 'string') {
    // A UTF-16 unit is at most 3 UTF-8 bytes: count exactly only when the quick bound does not fit.
    if (input.length * 3 > maxBytes && Buffer.byteLength(input, 'utf8') > maxBytes) {
      throw new SdpError('SDP_TOO_LARGE', 'body too large');
    }
    return input;
  }
  if (input.byteLength > maxBytes) throw new SdpError('SDP_TOO_LARGE', 'body too large');
  try {
    return decoder.decode(input);
  } catch {
    throw new SdpError('SDP_BAD_ENCODING', 'body is not UTF-8');
  }
}

/**
 * RFC 4566 §5: lines end with CRLF, but parsers should also accept a bare LF. Trailing empty lines
 * are tolerated (a final CRLF is normal); an empty line before the end is not a valid line.
 */
function splitLines(text: string, maxLines: number): RawLine[] {
  const out: RawLine[] = [];
  let start = 0;
  let no = 0;
  let emptyAt = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    const line = text.slice(start, end);
    start = next;
    no++;
    if (no > maxLines) throw new SdpError('SDP_TOO_MANY_LINES', 'too many lines');
    // A byte-string excludes NUL, CR and LF (RFC 4566 §9): CR may only end a line.
    if (line.includes('\0') || line.includes('\r')) throw new SdpError('SDP_BAD_ENCODING', 'control character in line', no);
    if (line.length === 0) {
      if (emptyAt === 0) emptyAt = no;
      continue;
    }
    if (emptyAt !== 0) throw new SdpError('SDP_BAD_LINE', 'empty line', emptyAt);
    const letter = line[0]!;
    if (line.length < 2 || line[1] !== '=' || letter < 'a' || letter > 'z') {
      throw new SdpError('SDP_BAD_LINE', 'line is not type=value', no);
    }
    out.push({ letter, value: line.slice(2), no });
  }
  if (out.length === 0) throw new SdpError('SDP_EMPTY', 'empty body');
  return out;
}

class Parser {
  readonly #lines: RawLine[];
  readonly #limits: SdpLimits;
  readonly #keepUnknown: boolean;
  #pos = 0;

  constructor(lines: RawLine[], limits: SdpLimits, unknown: 'reject' | 'keep') {
    this.#lines = lines;
    this.#limits = limits;
    this.#keepUnknown = unknown === 'keep';
  }

  parse(): Sdp {
    // v=0 comes first, then o=, then s= (RFC 4566 §5: the order of types is fixed).
    const v = this.#lines[0]!;
    if (v.letter !== 'v') throw new SdpError('SDP_MISPLACED_LINE', 'must start with v=', v.no);
    if (v.value !== '0') throw new SdpError('SDP_BAD_VERSION', 'version is not 0', v.no);
    this.#pos = 1;
    const o = this.#expect('o', 'o= must follow v=');
    const origin = parseOrigin(o);
    const s = this.#expect('s', 's= must follow o=');
    const sessionName = s.value;

    const lines: SdpLine[] = [];
    let hasConnection = false;
    let hasTiming = false;
    let hasDirection = false;
    for (; this.#pos < this.#lines.length; this.#pos++) {
      const raw = this.#lines[this.#pos]!;
      if (raw.letter === 'm') break;
      switch (raw.letter) {
        case 'v':
        case 'o':
        case 's':
          throw new SdpError('SDP_MISPLACED_LINE', `misplaced ${raw.letter}= line`, raw.no);
        case 'c':
          // At most one c= at session level (RFC 4566 §5).
          if (hasConnection) throw new SdpError('SDP_DUPLICATE_LINE', 'second session c= line', raw.no);
          hasConnection = true;
          lines.push(parseConnection(raw));
          break;
        case 'a': {
          const line = parseSessionAttribute(raw);
          if (line.kind === 'direction') {
            if (hasDirection) throw new SdpError('SDP_DUPLICATE_LINE', 'second direction attribute', raw.no);
            hasDirection = true;
          }
          lines.push(line);
          break;
        }
        default:
          if (raw.letter === 't') hasTiming = true;
          lines.push(this.#field(raw, SESSION_FIELDS));
      }
    }
    // One or more t= lines are required (RFC 4566 §5.9; RFC 3264 §5 uses t=0 0).
    if (!hasTiming) throw new SdpError('SDP_MISSING_LINE', 'no t= line');

    const media: SdpMedia[] = [];
    while (this.#pos < this.#lines.length) {
      if (media.length >= this.#limits.maxMedia) throw new SdpError('SDP_TOO_MANY_MEDIA', 'too many m= lines');
      const m = this.#parseMedia();
      // Every stream in use needs a connection address, its own or the session's (RFC 4566 §5.7).
      if (m.port !== 0 && !hasConnection && !m.lines.some((l) => l.kind === 'connection')) {
        throw new SdpError('SDP_MISSING_CONNECTION', 'no c= line for a media stream');
      }
      media.push(m);
    }
    return { origin, sessionName, lines, media };
  }

  #expect(letter: string, detail: string): RawLine {
    const raw = this.#lines[this.#pos];
    if (raw === undefined) throw new SdpError('SDP_MISSING_LINE', `no ${letter}= line`);
    if (raw.letter !== letter) throw new SdpError('SDP_MISPLACED_LINE', detail, raw.no);
    this.#pos++;
    return raw;
  }

  #field(raw: RawLine, allowed: ReadonlySet<string>): SdpLine {
    if (!KNOWN_LETTERS.has(raw.letter)) {
      if (!this.#keepUnknown) throw new SdpError('SDP_UNKNOWN_LINE_TYPE', `unknown line type`, raw.no);
    } else if (!allowed.has(raw.letter)) {
      throw new SdpError('SDP_MISPLACED_LINE', `misplaced ${raw.letter}= line`, raw.no);
    }
    return { kind: 'field', letter: raw.letter, value: raw.value };
  }

  #parseMedia(): SdpMedia {
    const m = this.#lines[this.#pos++]!;
    const head = parseMediaLine(m);
    const lines: SdpLine[] = [];
    const seen = new Set<string>();
    const payloadTypes = new Set<number>();
    const once = (what: string, no: number) => {
      if (seen.has(what)) throw new SdpError('SDP_DUPLICATE_LINE', `second ${what} attribute`, no);
      seen.add(what);
    };
    for (; this.#pos < this.#lines.length; this.#pos++) {
      const raw = this.#lines[this.#pos]!;
      if (raw.letter === 'm') break;
      if (raw.letter === 'c') {
        // Several c= lines are allowed in a media section (layered multicast): all are kept.
        lines.push(parseConnection(raw));
      } else if (raw.letter === 'a') {
        const line = parseMediaAttribute(raw);
        if (line.kind === 'direction' || line.kind === 'rtcp' || line.kind === 'ptime') once(line.kind, raw.no);
        if (line.kind === 'rtpmap') {
          if (payloadTypes.has(line.payloadType)) throw new SdpError('SDP_DUPLICATE_LINE', 'second rtpmap for a payload type', raw.no);
          payloadTypes.add(line.payloadType);
        }
        lines.push(line);
      } else {
        lines.push(this.#field(raw, MEDIA_FIELDS));
      }
    }
    return { ...head, lines };
  }
}

function parseOrigin(raw: RawLine): SdpOrigin {
  const parts = raw.value.split(' ');
  if (parts.length !== 6 || parts.some((p) => p.length === 0)) throw new SdpError('SDP_BAD_ORIGIN', 'malformed o= line', raw.no);
  const [username, sessionId, version, netType, addrType, address] = parts as [string, string, string, string, string, string];
  // sess-version is numeric: it is the one part an answerer compares (RFC 3264 §8).
  if (!DIGITS_RE.test(version) || version.length > 20) throw new SdpError('SDP_BAD_ORIGIN', 'malformed o= version', raw.no);
  const addressType = checkNetwork(netType, addrType, raw);
  if (!isValidAddress(addressType, address)) throw new SdpError('SDP_BAD_ORIGIN', 'malformed o= address', raw.no);
  return { username, sessionId, sessionVersion: BigInt(version), addressType, address };
}

function checkNetwork(netType: string, addrType: string, raw: RawLine): SdpAddressType {
  // Only the Internet network type and IP4/IP6 carry RTP over UDP.
  if (netType !== 'IN') throw new SdpError('SDP_UNSUPPORTED_ADDRESS', 'network type not IN', raw.no);
  if (addrType !== 'IP4' && addrType !== 'IP6') throw new SdpError('SDP_UNSUPPORTED_ADDRESS', 'address type not IP4 or IP6', raw.no);
  return addrType;
}

function parseConnection(raw: RawLine): SdpConnectionLine {
  const parts = raw.value.split(' ');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) throw new SdpError('SDP_BAD_CONNECTION', 'malformed c= line', raw.no);
  const addressType = checkNetwork(parts[0]!, parts[1]!, raw);
  // IP4 multicast: addr/ttl[/count]; IP6 multicast: addr[/count] (RFC 4566 §5.7).
  const [address, first, second, ...rest] = parts[2]!.split('/') as [string, ...string[]];
  const bad = () => new SdpError('SDP_BAD_CONNECTION', 'malformed c= address', raw.no);
  if (rest.length > 0 || !isValidAddress(addressType, address)) throw bad();
  let ttl: number | undefined;
  let count: number | undefined;
  if (addressType === 'IP4') {
    if (first !== undefined && (ttl = parseUint(first, 3)) === undefined) throw bad();
    if (second !== undefined && (count = parseUint(second, 5)) === undefined) throw bad();
    if (ttl !== undefined && ttl > 255) throw bad();
  } else {
    if (second !== undefined) throw bad();
    if (first !== undefined && (count = parseUint(first, 5)) === undefined) throw bad();
  }
  if (count === 0) throw bad();
  return {
    kind: 'connection',
    addressType,
    address,
    ...(ttl === undefined ? {} : { ttl }),
    ...(count === undefined ? {} : { count }),
  };
}

function parseMediaLine(raw: RawLine): Omit<SdpMedia, 'lines'> {
  const parts = raw.value.split(' ');
  const bad = (what: string) => new SdpError('SDP_BAD_MEDIA', `malformed m= ${what}`, raw.no);
  // m=<media> <port>[/<number of ports>] <proto> <fmt> … with at least one format.
  if (parts.length < 4) throw bad('line');
  if (parts.some((p) => p.length === 0)) throw bad('line');
  const [media, portSpec, proto, ...formats] = parts as [string, string, string, ...string[]];
  if (!TOKEN_RE.test(media)) throw bad('media type');
  const slash = portSpec.indexOf('/');
  const port = parsePort(slash < 0 ? portSpec : portSpec.slice(0, slash));
  if (port === undefined) throw bad('port');
  let portCount: number | undefined;
  if (slash >= 0) {
    portCount = parseUint(portSpec.slice(slash + 1), 5);
    if (portCount === undefined || portCount === 0) throw bad('port count');
  }
  if (!PROTO_RE.test(proto)) throw bad('transport');
  const rtp = isRtpProto(proto);
  for (const f of formats) {
    // For RTP transports a format is a payload type, 0–127 (RFC 3550 §5.1: 7 bits).
    if (rtp ? parseUint(f, 3) === undefined || Number(f) > 127 : !NON_SPACE_RE.test(f)) throw bad('format');
  }
  const head = { media, port, proto, formats };
  return portCount === undefined ? head : { ...head, portCount };
}

function splitAttribute(raw: RawLine): { name: string; value: string | undefined } {
  const colon = raw.value.indexOf(':');
  const name = colon < 0 ? raw.value : raw.value.slice(0, colon);
  if (!TOKEN_RE.test(name)) throw new SdpError('SDP_BAD_ATTRIBUTE', 'malformed attribute name', raw.no);
  return { name, value: colon < 0 ? undefined : raw.value.slice(colon + 1) };
}

/** At session level only the direction is typed: rtpmap, fmtp, ptime and rtcp are media-level. */
function parseSessionAttribute(raw: RawLine): SdpLine {
  const { name, value } = splitAttribute(raw);
  if (DIRECTIONS.has(name)) return directionLine(name, value, raw);
  return value === undefined ? { kind: 'attribute', name } : { kind: 'attribute', name, value };
}

function directionLine(name: string, value: string | undefined, raw: RawLine): SdpLine {
  // Direction attributes are property attributes: they take no value.
  if (value !== undefined) throw new SdpError('SDP_BAD_ATTRIBUTE', `malformed a=${name}`, raw.no);
  return { kind: 'direction', direction: name as SdpDirection };
}

function parseMediaAttribute(raw: RawLine): SdpLine {
  const { name, value } = splitAttribute(raw);
  if (DIRECTIONS.has(name)) return directionLine(name, value, raw);
  const bad = () => new SdpError('SDP_BAD_ATTRIBUTE', `malformed a=${name}`, raw.no);
  switch (name) {
    case 'rtpmap': {
      const m = value === undefined ? null : RTPMAP_RE.exec(value);
      if (!m) throw bad();
      const payloadType = Number(m[1]);
      const clockRate = Number(m[3]);
      if (payloadType > 127 || clockRate === 0) throw bad();
      const line = { kind: 'rtpmap' as const, payloadType, encoding: m[2]!, clockRate };
      return m[4] === undefined ? line : { ...line, parameters: m[4] };
    }
    case 'fmtp': {
      const m = value === undefined ? null : FMTP_RE.exec(value);
      if (!m) throw bad();
      return { kind: 'fmtp', format: m[1]!, parameters: m[2]! };
    }
    case 'ptime': {
      if (value === undefined || !PTIME_RE.test(value)) throw bad();
      const ms = Number(value);
      if (ms === 0) throw bad();
      return { kind: 'ptime', ms };
    }
    case 'rtcp':
      return parseRtcp(value, raw);
    default:
      return value === undefined ? { kind: 'attribute', name } : { kind: 'attribute', name, value };
  }
}

/** RFC 3605: `a=rtcp:<port>` optionally followed by `IN <addrtype> <address>`. */
function parseRtcp(value: string | undefined, raw: RawLine): SdpRtcpLine {
  const bad = () => new SdpError('SDP_BAD_ATTRIBUTE', 'malformed a=rtcp', raw.no);
  if (value === undefined) throw bad();
  const parts = value.split(' ');
  const port = parsePort(parts[0]!);
  if (port === undefined) throw bad();
  if (parts.length === 1) return { kind: 'rtcp', port };
  if (parts.length !== 4 || parts.some((p) => p.length === 0)) throw bad();
  const addressType = checkNetwork(parts[1]!, parts[2]!, raw);
  if (!isValidAddress(addressType, parts[3]!)) throw bad();
  return { kind: 'rtcp', port, addressType, address: parts[3]! };
}
