// Writes a description back out, CRLF after every line (RFC 4566 §5). A description parsed from
// canonical text comes back byte for byte; lines kept verbatim are written as they came.
import type { Sdp, SdpLine, SdpMedia } from './sdp-types.ts';

export function serializeSdp(sdp: Sdp): string {
  const o = sdp.origin;
  let out = `v=0\r\no=${o.username} ${o.sessionId} ${o.sessionVersion} IN ${o.addressType} ${o.address}\r\ns=${sdp.sessionName}\r\n`;
  for (const line of sdp.lines) out += serializeLine(line) + '\r\n';
  for (const m of sdp.media) out += serializeMedia(m);
  return out;
}

export function serializeMedia(m: SdpMedia): string {
  const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
  let out = `m=${m.media} ${port} ${m.proto} ${m.formats.join(' ')}\r\n`;
  for (const line of m.lines) out += serializeLine(line) + '\r\n';
  return out;
}

export function serializeLine(line: SdpLine): string {
  switch (line.kind) {
    case 'connection': {
      let addr = line.address;
      if (line.ttl !== undefined) addr += `/${line.ttl}`;
      if (line.count !== undefined) addr += `/${line.count}`;
      return `c=IN ${line.addressType} ${addr}`;
    }
    case 'rtpmap':
      return `a=rtpmap:${line.payloadType} ${line.encoding}/${line.clockRate}${line.parameters === undefined ? '' : `/${line.parameters}`}`;
    case 'fmtp':
      return `a=fmtp:${line.format} ${line.parameters}`;
    case 'rtcp':
      return line.address === undefined ? `a=rtcp:${line.port}` : `a=rtcp:${line.port} IN ${line.addressType ?? 'IP4'} ${line.address}`;
    case 'direction':
      return `a=${line.direction}`;
    case 'ptime':
      return `a=ptime:${line.ms}`;
    case 'attribute':
      return line.value === undefined ? `a=${line.name}` : `a=${line.name}:${line.value}`;
    case 'field':
      return `${line.letter}=${line.value}`;
  }
}
