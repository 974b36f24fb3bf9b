// Writing messages (RFC 3261 §7): start line, headers in order under their canonical long names,
// an empty line, the body. Content-Length is always the real body length, written where the
// message had it or last.
import { canonicalName } from './header-names.ts';
import { SIP_VERSION, type SipMessage } from './message.ts';

const LINE_BREAK = /[\r\n]/;

function startLine(msg: SipMessage): string {
  if (msg.kind === 'request') {
    // Fields set by code are checked here: a CR or LF would let them write headers of their own.
    if (LINE_BREAK.test(msg.method) || /\s/.test(msg.uriText)) throw new TypeError('invalid SIP Request-Line');
    return `${msg.method} ${msg.uriText} ${SIP_VERSION}\r\n`;
  }
  if (!Number.isInteger(msg.status) || msg.status < 100 || msg.status > 699 || LINE_BREAK.test(msg.reason)) {
    throw new TypeError('invalid SIP Status-Line');
  }
  return `${SIP_VERSION} ${msg.status} ${msg.reason}\r\n`;
}

export function serialize(msg: SipMessage): Buffer {
  const body = msg.body;
  let head = startLine(msg);
  let lengthWritten = false;
  for (const f of msg.headers) {
    if (f.key === 'content-length') {
      if (!lengthWritten) head += `Content-Length: ${body.length}\r\n`;
      lengthWritten = true;
      continue;
    }
    const name = canonicalName(f.key, f.name);
    head += f.value === '' ? `${name}:\r\n` : `${name}: ${f.value}\r\n`;
  }
  if (!lengthWritten) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(head, 0, 'utf8');
  body.copy(out, headLength);
  return out;
}
