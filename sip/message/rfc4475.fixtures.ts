// Test messages after the descriptions of RFC 4475 ("SIP Torture Test Messages"), written for this
// project: each keeps the oddity its section describes, with our own names and values. Lines are
// joined with CRLF; `\x00`-style escapes stand for the raw octets the RFC shows in brackets.

const CRLF = '\r\n';

/** A message from header lines and a body: the lines, an empty line, the body. */
export function message(head: string[], body: string | Buffer = ''): Buffer {
  const h = Buffer.from(head.join(CRLF) + CRLF + CRLF, 'utf8');
  return Buffer.concat([h, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

const sdp = (host: string): string =>
  ['v=0', `o=torture 29739 7272939 IN IP4 ${host}`, 's=-', `c=IN IP4 ${host}`, 't=0 0', 'm=audio 49217 RTP/AVP 0 12', 'm=video 3227 RTP/AVP 31', 'a=rtpmap:31 LPC', ''].join(CRLF);

const len = (s: string | Buffer): number => (typeof s === 'string' ? Buffer.byteLength(s) : s.length);

// 3.1.1.1: folding everywhere, odd case and spacing in names, compact forms, an empty Subject,
// unknown headers with odd values, LWS around every separator of Via and the parameters.
const wsinvBody = sdp('192.0.2.31');
export const wsinv = message(
  [
    'INVITE sip:carol@chair-dnrc.example.org;unknownparam SIP/2.0',
    'TO :',
    ' sip:carol@chair-dnrc.example.org ;   tag    = 1918181833n',
    'from   : "C Torture \\\\\\""       <sip:ctorture@example.org>',
    '  ;',
    '  tag = 98asjd8',
    'MaX-fOrWaRdS: 0068',
    'Call-ID: wsinv.ndaksdj@192.0.2.1',
    `Content-Length   : ${len(wsinvBody)}`,
    'cseq: 0009',
    '  INVITE',
    'Via  : SIP  /   2.0',
    ' /UDP',
    '    192.0.2.2;branch=390skdjuw',
    's :',
    'NewFangledHeader:   newfangled value',
    ' continued newfangled value',
    'UnknownHeaderWithUnusualValue: ;;,,;;,;',
    'Content-Type: application/sdp',
    'Route:',
    ' <sip:services.example.org;lr;unknownwith=value;unknown-no-value>',
    'v:  SIP  / 2.0  / TCP     spindle.example.org   ;',
    '  branch  =   z9hG4bK9ikj8  ,',
    ' SIP  /    2.0   / UDP  192.168.255.111   ; branch=',
    ' z9hG4bK30239',
    'm:"Quoted string \\"\\"" <sip:ctorture@example.org> ; newparam =',
    '      newvalue ;',
    '  secondparam ; q = 0.33',
  ],
  wsinvBody,
);
export const wsinvBodyLength = len(wsinvBody);

// 3.1.1.2: every character the grammar allows in a method, URI user and password, token display
// name, parameter names, Call-ID and header names; BEL, NUL and DEL as quoted-pairs; UTF-8 (with a
// byte-order mark) in an extension header and in a quoted parameter value.
export const weirdMethod = "!interesting-Method0123456789_*+`.%indeed'~";
export const weirdUser = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*";
export const weirdPassword = "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)";
export const intmeth = message([
  `${weirdMethod} sip:${weirdUser}:${weirdPassword}@example.org SIP/2.0`,
  "Via: SIP/2.0/TCP host1.example.org;branch=z9hG4bK-.!%66*_+`'~",
  `To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F" <sip:${weirdUser}@example.org>`,
  "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.org>;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
  "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
  `CSeq: 139122385 ${weirdMethod}`,
  'Max-Forwards: 255',
  "extensionHeader-!.%*+_`'~:\uFEFF大停電",
  'Content-Length: 0',
]);

// 3.1.1.3: escapes that decode to ":" and "@" in a user part, escaped unreserved characters,
// escaped parameter names and values.
const esc01Body = sdp('192.0.2.32');
export const esc01 = message(
  [
    'INVITE sip:sips%3Auser%40example.org@example.net SIP/2.0',
    'To: sip:%75se%72@example.org',
    'From: <sip:I%20have%20spaces@example.net>;tag=938',
    'Max-Forwards: 87',
    'i: esc01.239409asdfakjkn23onasd0-3234',
    'CSeq: 234234 INVITE',
    'Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw',
    'C: application/sdp',
    'Contact:',
    '  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>',
    `Content-Length: ${len(esc01Body)}`,
  ],
  esc01Body,
);

// 3.1.1.4: %00 in user parts.
export const escnull = message([
  'REGISTER sip:example.org SIP/2.0',
  'To: sip:null-%00-null@example.org',
  'From: sip:null-%00-null@example.org;tag=839923423',
  'Max-Forwards: 70',
  'Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd',
  'CSeq: 14398234 REGISTER',
  'Via: SIP/2.0/UDP host5.example.org;branch=z9hG4bKkdjuw',
  'Contact: <sip:%00@host5.example.org>',
  'Contact: <sip:%00%00@host4.example.org>',
  'L:0',
]);

// 3.1.1.5: "%" that is no escape: in a method (a token character) and in quoted display names;
// and a comma inside a quoted display name that must not split Contact.
export const esc02 = message([
  'RE%47IST%45R sip:registrar.example.org SIP/2.0',
  'To: "%Z%45" <sip:resource@example.org>',
  'From: "%Z%45" <sip:resource@example.org>;tag=f232jadfj23',
  'Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf',
  'Via: SIP/2.0/TCP host129.example.org;branch=z9hG4bK342sdfoi3',
  'CSeq: 29344 RE%47IST%45R',
  'Max-Forwards: 70',
  'Contact: <sip:alias1@host1.example.org>, "alias, %two" <sip:alias2@host2.example.org>',
  'l: 0',
]);

// 3.1.1.6: a token display name glued to "<".
export const lwsdisp = message([
  'OPTIONS sip:user@example.org SIP/2.0',
  'To: sip:user@example.org',
  'From: caller<sip:caller@example.org>;tag=323',
  'Max-Forwards: 70',
  'Call-ID: lwsdisp.1234abcd@funky.example.org',
  'CSeq: 60 OPTIONS',
  'Via: SIP/2.0/UDP funky.example.org;branch=z9hG4bKkdjuw',
  'l: 0',
]);

// 3.1.1.7: long display name, tag, Call-ID, user part, header name and value, and a long Via list.
export const longName = `I have a user name of ${'extreme'.repeat(20)} proportion`;
export const longTag = 'longtag' + 'x'.repeat(400);
export const longCallId = 'longreq.' + 'one'.repeat(150) + '@192.0.2.5';
export const longUser = 'amazinglylongcallername'.repeat(12);
export const longHeaderName = 'Unknown-' + 'LongLong'.repeat(20) + '-Name';
export const longViaCount = 46;
const longreqBody = sdp('192.0.2.33');
export const longreq = message(
  [
    'INVITE sip:user@example.org SIP/2.0',
    `To: "${longName}" <sip:user@example.org:6000;unknownparam1=very${'long'.repeat(30)}value;${'long'.repeat(20)}parametername=shortvalue;very${'long'.repeat(20)}parameternamewithnovalue>`,
    `F: sip:${longUser}@example.net;tag=${longTag}`,
    `Call-ID: ${longCallId}`,
    'CSeq: 3882340 INVITE',
    `${longHeaderName}: unknown-${'long'.repeat(60)}-value; unknown-${'long'.repeat(20)}-parameter-name = unknown-${'long'.repeat(20)}-parameter-value`,
    ...Array.from({ length: longViaCount / 2 }, (_, i) => `Via: SIP/2.0/TCP sip${33 + i}.example.org`),
    ...Array.from({ length: longViaCount / 2 }, (_, i) => `v: SIP/2.0/TCP sip${10 + i}.example.org;branch=z9hG4bK${'very'.repeat(20)}longbranch${i}`),
    'Max-Forwards: 70',
    `Contact: <sip:${longUser}@host5.example.net>`,
    'Content-Type: application/sdp',
    `l: ${len(longreqBody)}`,
  ],
  longreqBody,
);

// 3.1.1.8: a datagram holding a REGISTER (Content-Length 0) and then an INVITE.
export const dblreq = Buffer.concat([
  message([
    'REGISTER sip:example.org SIP/2.0',
    'To: sip:j.user@example.org',
    'From: sip:j.user@example.org;tag=43251j3j324',
    'Max-Forwards: 8',
    'I: dblreq.0ha0isndaksdj99sdfafnl3lk233412',
    'Contact: sip:j.user@host.example.org',
    'CSeq: 8 REGISTER',
    'Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492',
    'Content-Length: 0',
  ]),
  message(
    [
      'INVITE sip:joe@example.org SIP/2.0',
      't: sip:joe@example.org',
      'From: sip:caller@example.net;tag=141334',
      'Max-Forwards: 8',
      'Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15',
      'CSeq: 8 INVITE',
      'Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234',
      'Content-Type: application/sdp',
      `Content-Length: ${len(sdp('192.0.2.15'))}`,
    ],
    sdp('192.0.2.15'),
  ),
]);

// 3.1.1.9: ";" and an escaped "@" in the user part of the Request-URI.
export const semiuri = message([
  'OPTIONS sip:user;par=u%40example.net@example.org SIP/2.0',
  'To: sip:j_user@example.org',
  'From: sip:caller@example.org;tag=33242',
  'Max-Forwards: 3',
  'Call-ID: semiuri.0ha0isndaksdj',
  'CSeq: 8 OPTIONS',
  'Accept: application/sdp, application/pkcs7-mime,',
  '        multipart/mixed, multipart/signed,',
  '        message/sip, message/sipfrag',
  'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw',
  'l: 0',
]);

// 3.1.1.10: transports known and unknown.
export const transports = message([
  'OPTIONS sip:user@example.org SIP/2.0',
  'To: sip:user@example.org',
  'From: <sip:caller@example.org>;tag=323',
  'Max-Forwards: 70',
  'Call-ID: transports.kijh4akdnaqjkwendsasfdj',
  'Accept: application/sdp',
  'CSeq: 60 OPTIONS',
  'Via: SIP/2.0/UDP t1.example.org;branch=z9hG4bKkdjuw',
  'Via: SIP/2.0/SCTP t2.example.org;branch=z9hG4bKklasjdhf',
  'Via: SIP/2.0/TLS-SCTP t3.example.org;branch=z9hG4bK2980unddj',
  'Via: SIP/2.0/UNKNOWN t4.example.org;branch=z9hG4bKasd0f3en',
  'Via: SIP/2.0/TCP t5.example.org;branch=z9hG4bK0a9idfnee',
  'l: 0',
]);

// 3.1.1.11: a multipart body with a binary part: NULs, high octets and a CRLFCRLF inside it.
export const mpartBinary = Buffer.from([0x30, 0x82, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0xfe, 0x00, 0x41, 0x0d, 0x0a]);
export const mpartBody = Buffer.concat([
  Buffer.from(
    ['--7a9cbec02ceef655', 'Content-Type: text/plain', 'Content-Transfer-Encoding: binary', '', 'Hello', '--7a9cbec02ceef655', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: binary', '', ''].join(CRLF),
  ),
  mpartBinary,
  Buffer.from(CRLF + '--7a9cbec02ceef655--' + CRLF),
]);
export const mpart01 = message(
  [
    'MESSAGE sip:kumiko@example.org SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport',
    'Max-Forwards: 70',
    'Route: <sip:127.0.0.1:5080>',
    'Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8UeXqkMVbnVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJebdY/XlgKeTa0Olvq0rt70Q5jiSfbqMJmQFteeivUhkMWYUA=',
    'Contact: <sip:fluffy@127.0.0.1:5070>',
    'To: <sip:kumiko@example.org>',
    'From: <sip:fluffy@example.org>;tag=2fb0dcc9',
    'Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..',
    'CSeq: 1 MESSAGE',
    'Content-Transfer-Encoding: binary',
    'Content-Type: multipart/mixed;boundary=7a9cbec02ceef655',
    'Date: Sat, 15 Oct 2005 04:44:56 GMT',
    'User-Agent: SIPimp.org/0.2.5 (curses)',
    `Content-Length: ${mpartBody.length}`,
  ],
  mpartBody,
);

// 3.1.1.12: a reason phrase with UTF-8 and characters that mean something elsewhere.
export const unusualReason = '= 2**3 * 5**2 — восемь на двадцать пять, не простое';
export const unreason = message([
  `SIP/2.0 200 ${unusualReason}`,
  'Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923',
  'Call-ID: unreason.1234ksdfak3j2erwedfsASdf',
  'CSeq: 35 INVITE',
  'From: sip:user@example.org;tag=11141343',
  'To: sip:user@example.org;tag=2229',
  'Content-Length: 0',
]);

// 3.1.1.13: no reason phrase, but the SP before it.
export const noreason = message([
  'SIP/2.0 100 ',
  'Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe',
  'Call-ID: noreason.asndj203insdf99223ndf',
  'CSeq: 35 INVITE',
  'From: <sip:user@example.org>;tag=39ansfi3',
  'To: <sip:user@example.org>;tag=902jndnke3',
  'Content-Length: 0',
]);

/** Header lines of a plain, valid OPTIONS, for invalid variants below. */
export function options(over: Record<string, string | string[] | null> = {}, startLine = 'OPTIONS sip:user@example.org SIP/2.0'): Buffer {
  const base: Record<string, string | string[]> = {
    Via: 'SIP/2.0/UDP host.example.org;branch=z9hG4bKbase01',
    'Max-Forwards': '70',
    To: 'sip:user@example.org',
    From: 'sip:caller@example.net;tag=134161461246',
    'Call-ID': 'base01.0ha0isndaksdjasdf3234nas',
    CSeq: '8 OPTIONS',
  };
  const lines = [startLine];
  const all = { ...base, ...over };
  for (const [name, value] of Object.entries(all)) {
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  if (!('Content-Length' in all) && !('l' in all)) lines.push('Content-Length: 0');
  return message(lines);
}

// 3.1.2.1: empty parameters and list elements in Via and Contact.
export const badinv01 = message(
  [
    'INVITE sip:user@example.org SIP/2.0',
    'To: sip:j.user@example.org',
    'From: sip:caller@example.net;tag=134161461246',
    'Max-Forwards: 7',
    'Call-ID: badinv01.0ha0isndaksdjasdf3234nas',
    'CSeq: 8 INVITE',
    'Via: SIP/2.0/UDP 192.0.2.15;;,;,,',
    'Contact: "Joe" <sip:joe@example.org>;;;;',
    `Content-Length: ${len(sdp('192.0.2.15'))}`,
    'Content-Type: application/sdp',
  ],
  sdp('192.0.2.15'),
);

// 3.1.2.2: Content-Length far beyond the datagram.
export const clerr = message(
  [
    'INVITE sip:user@example.org SIP/2.0',
    'Max-Forwards: 80',
    'To: sip:j.user@example.org',
    'From: sip:caller@example.net;tag=93942939o2',
    'Contact: <sip:caller@hungry.example.net>',
    'Call-ID: clerr.0ha0isndaksdjweiafasdk3',
    'CSeq: 8 INVITE',
    'Via: SIP/2.0/UDP host5.example.org;branch=z9hG4bK-39234-23523',
    'Content-Type: application/sdp',
    'Content-Length: 9999',
  ],
  sdp('192.0.2.155'),
);

// 3.1.2.3: a negative Content-Length.
export const ncl = message(
  [
    'INVITE sip:user@example.org SIP/2.0',
    'Max-Forwards: 254',
    'To: sip:j.user@example.org',
    'From: sip:caller@example.net;tag=32394234',
    'Call-ID: ncl.0ha0isndaksdj2193423r542w35',
    'CSeq: 0 INVITE',
    'Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw',
    'Contact: <sip:caller@example53.example.net>',
    'Content-Type: application/sdp',
    'Content-Length: -999',
  ],
  sdp('192.0.2.53'),
);

// 3.1.2.4: CSeq over 2^32-1, Max-Forwards over 255, Expires and a Contact expires over 2^32-1.
export const scalar02 = message([
  'REGISTER sip:example.org SIP/2.0',
  'Via: SIP/2.0/TCP host129.example.org;branch=z9hG4bK342sdfoi3',
  'To: <sip:user@example.org>',
  'From: <sip:user@example.org>;tag=239232jh3',
  'CSeq: 36893488147419103232 REGISTER',
  'Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32',
  'Max-Forwards: 300',
  'Expires: 1' + '0'.repeat(40),
  'Contact: <sip:user@host129.example.org>',
  '  ;expires=280297596632815',
  'Content-Length: 0',
]);

// 3.1.2.5: a response with an overlarge CSeq, Retry-After and a four-digit warn-code.
export const scalarlg = message([
  'SIP/2.0 503 Service Unavailable',
  'Via: SIP/2.0/TCP host129.example.org;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129',
  'To: <sip:user@example.org>',
  'From: <sip:other@example.net>;tag=2easdjfejw',
  'CSeq: 9292394834772304023312 OPTIONS',
  'Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r',
  'Retry-After: 949302838503028349304023988',
  'Warning: 1812 overture "In Progress"',
  'Content-Length: 0',
]);

// 3.1.2.6: a display name with an opening quote only.
export const quotbal = options({ To: '"Mr. J. User <sip:j.user@example.org>' }, 'INVITE sip:user@example.org SIP/2.0');

// 3.1.2.7 to 3.1.2.11: start lines broken in the ways the RFC lists.
export const ltgtruri = options({ CSeq: '23 INVITE' }, 'INVITE <sip:user@example.org> SIP/2.0');
export const lwsruri = options({ CSeq: '23 INVITE' }, 'INVITE sip:user@example.org; lr SIP/2.0');
export const lwsstart = options({ CSeq: '23 INVITE' }, 'INVITE  sip:user@example.org  SIP/2.0');
export const trws = options({}, 'OPTIONS sip:remote-target@example.org SIP/2.0  ');
export const escruri = options({ CSeq: '23 INVITE' }, 'INVITE sip:user@example.org?Route=%3Csip:example.org%3E SIP/2.0');

// 3.1.2.12: a Date not in GMT.
export const baddate = options({ CSeq: '23 INVITE', Date: 'Fri, 01 Jan 2010 16:00:00 EST' }, 'INVITE sip:user@example.org SIP/2.0');

// 3.1.2.13: a Contact URI with "?" outside angle brackets.
export const regbadct = options(
  { CSeq: '1 REGISTER', Contact: 'sip:user@example.org?Route=%3Csip:sip.example.org%3E' },
  'REGISTER sip:example.org SIP/2.0',
);

// 3.1.2.14: spaces between the angle brackets and the URI.
export const badaspec = options({ To: '"Watson, Thomas" < sip:t.watson@example.org >' }, 'OPTIONS sip:user@example.org SIP/2.0');

// 3.1.2.15: a comma (not a token character) in an unquoted display name.
export const baddn = options({ From: 'Bell, Alexander <sip:a.g.bell@example.org>;tag=43' });

// 3.1.2.16: SIP/7.0 in the start line and Via.
export const badvers = options({ Via: 'SIP/7.0/UDP c.example.org;branch=z9hG4bKkdjuw' }, 'OPTIONS sip:t.watson@example.org SIP/7.0');

// 3.1.2.17 and 3.1.2.18: a CSeq method other than the request's.
export const mismatch01 = options({ CSeq: '8 INVITE' });
export const mismatch02 = options({ CSeq: '0 MESSAGE' }, 'NEWMETHOD sip:user@example.org SIP/2.0');

// 3.1.2.19: a status code of ten digits.
export const bigcode = message([
  'SIP/2.0 4294967301 better not break the receiver',
  'Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe',
  'Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i',
  'CSeq: 353494 INVITE',
  'From: <sip:user@example.org>;tag=39ansfi3',
  'To: <sip:user@example.org>;tag=902jndnke3',
  'Content-Length: 0',
]);

// 3.2.1: a branch that is nothing but the magic cookie.
export const badbranch = options({ Via: 'SIP/2.0/UDP 192.0.2.15;branch=z9hG4bK' });

// 3.3.1: no Call-ID, From or To.
export const insuf = message([
  'INVITE sip:user@example.org SIP/2.0',
  'CSeq: 193942 INVITE',
  'Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf',
  'Content-Type: application/sdp',
  'l: 0',
]);

// 3.3.2 to 3.3.4: URI schemes nobody routes on.
export const unkscm = options({}, 'OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0');
export const novelsc = options({}, 'OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0');
export const unksm2 = options(
  { To: 'isbn:2983792873', From: '<http://www.example.org>;tag=3234233', Contact: '<name:John_Smith>', CSeq: '1 REGISTER' },
  'REGISTER sip:example.org SIP/2.0',
);

// 3.3.5 to 3.3.7: extensions, a body type and an authentication scheme nobody supports.
export const bext01 = options({ Require: 'nothingSupportedHere', 'Proxy-Require': 'noProxiesSupportThis, norDoAnyProxiesSupportThis' });
const invutBody = '<audio> <pcmu port="443"/> </audio>\r\n\r\n\r\n';
export const invut = message(
  [
    'INVITE sip:user@example.org SIP/2.0',
    'Contact: <sip:caller@host5.example.net>',
    'To: sip:j.user@example.org',
    'From: sip:caller@example.net;tag=8392034',
    'Max-Forwards: 70',
    'Call-ID: invut.0ha0isndaksdjadsfij34n23d',
    'CSeq: 235448 INVITE',
    'Via: SIP/2.0/UDP somehost.example.org;branch=z9hG4bKkdjuw',
    'Content-Type: application/unknownformat',
    `Content-Length: ${len(invutBody)}`,
  ],
  invutBody,
);
export const regaut01 = options(
  { CSeq: '9338 REGISTER', Authorization: 'NoOneKnowsThisScheme opaque-data=here', Contact: '<sip:j.user@host.example.org>' },
  'REGISTER sip:example.org SIP/2.0',
);

// 3.3.8 and 3.3.9: single-valued headers given twice.
export const multi01 = message([
  'INVITE sip:user@company.example.org SIP/2.0',
  'Contact: <sip:caller@host25.example.net>',
  'Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw',
  'Max-Forwards: 70',
  'CSeq: 5 INVITE',
  'Call-ID: multi01.98asdh@192.0.2.1',
  'CSeq: 59 INVITE',
  'Call-ID: multi01.98asdh@192.0.2.2',
  'From: sip:caller@example.org;tag=3413415',
  'To: sip:user@example.org',
  'To: sip:other@example.net',
  'From: sip:caller@example.net;tag=2923420123',
  'Max-Forwards: 5',
  'l: 0',
]);
export const mcl01 = message(
  [
    'OPTIONS sip:user@example.org SIP/2.0',
    'Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423',
    'To: sip:user@example.org',
    'From: sip:other@example.net;tag=3923942',
    'Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf',
    'CSeq: 15932 OPTIONS',
    'Content-Length: 13',
    'Max-Forwards: 60',
    'Content-Length: 5',
    'Content-Type: text/plain',
  ],
  'There is no way to know how long this is',
);

// 3.3.10: a response whose second Via is the broadcast address.
export const bcast = message([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923',
  'Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23',
  'Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf',
  'CSeq: 35 INVITE',
  'From: sip:user@example.org;tag=11141343',
  'To: sip:user@example.org;tag=2229',
  'Content-Length: 0',
]);

// 3.3.11 to 3.3.15.
export const zeromf = options({ 'Max-Forwards': '0' });
export const cparam01 = options({ CSeq: '1 REGISTER', Contact: 'sip:+19725552222@gw1.example.net;unknownparam' }, 'REGISTER sip:example.org SIP/2.0');
export const cparam02 = options({ CSeq: '1 REGISTER', Contact: '<sip:+19725552222@gw1.example.net;unknownparam>' }, 'REGISTER sip:example.org SIP/2.0');
export const regescrt = options(
  { CSeq: '1 REGISTER', Contact: '<sip:user@example.org?Route=%3Csip:sip.example.org%3E>' },
  'REGISTER sip:example.org SIP/2.0',
);
export const sdp01 = options({ CSeq: '732 INVITE', Accept: 'text/nobodyKnowsThis', Contact: '<sip:caller@host9.example.net>' }, 'INVITE sip:user@example.org SIP/2.0');

// 3.4.1: RFC 2543 style: no branch, no tags, no Max-Forwards and no Content-Length; the body is
// the rest of the datagram.
export const inv2543Body = ['v=0', 'o=mhandley 29739 7272939 IN IP4 192.0.2.5', 's=-', 'c=IN IP4 192.0.2.5', 't=0 0', 'm=audio 49217 RTP/AVP 0', ''].join(CRLF);
export const inv2543 = message(
  [
    'INVITE sip:UserB@example.org SIP/2.0',
    'Via: SIP/2.0/UDP iftgw.example.org',
    'From: <sip:+13035551111@ift.client.example.net;user=phone>',
    'Record-Route: <sip:UserB@example.org;maddr=ss1.example.org>',
    'To: sip:+16505552222@ss1.example.net;user=phone',
    'Call-ID: inv2543.1717@ift.client.example.org',
    'CSeq: 56 INVITE',
    'Content-Type: application/sdp',
  ],
  inv2543Body,
);
