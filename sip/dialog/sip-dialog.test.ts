import { describe, expect, it } from 'vitest';
import { formatUri, parseDatagram, serialize, type SipRequest, type SipResponse } from '../message/index.ts';
import { DialogError } from './dialog-error.ts';
import { dialogIdOfRequest, dialogKey } from './dialog-id.ts';
import { DialogState } from './dialog-state.ts';
import { uriEndpoint } from './next-hop.ts';
import { SipDialog } from './sip-dialog.ts';
import { parseUri } from '../message/index.ts';

function msg(lines: string[]): SipRequest | SipResponse {
  return parseDatagram(Buffer.from(lines.join('\r\n') + '\r\n\r\n'));
}

const invite = (extra: string[] = []) =>
  msg([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: call-1@192.0.2.1',
    'CSeq: 7 INVITE',
    'Contact: <sip:alice@192.0.2.1:5062>',
    ...extra,
    'Content-Length: 0',
  ]) as SipRequest;

const ringing = (extra: string[] = [], status = '180 Ringing') =>
  msg([
    `SIP/2.0 ${status}`,
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>;tag=b1',
    'Call-ID: call-1@192.0.2.1',
    'CSeq: 7 INVITE',
    ...extra,
    'Content-Length: 0',
  ]) as SipResponse;

function inDialog(method: string, cseq: number): SipRequest {
  return msg([
    `${method} sip:bob@192.0.2.2 SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-x' + cseq,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>;tag=b1',
    'Call-ID: call-1@192.0.2.1',
    `CSeq: ${cseq} ${method}`,
    'Content-Length: 0',
  ]) as SipRequest;
}

describe('§12.1.1 UAS behavior: a dialog from a request we answer', () => {
  const d = SipDialog.fromRequest(invite(['Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>']), { localTag: 'b1', localContact: '<sip:b2b@192.0.2.9>' });

  it('the remote URI is the From URI, the local URI the To URI, the remote tag the From tag', () => {
    expect(d.id).toEqual({ callId: 'call-1@192.0.2.1', localTag: 'b1', remoteTag: 'a1' });
    expect(formatUri(d.remoteUri.uri)).toBe('sip:alice@example.com');
    expect(d.remoteUri.displayName).toBe('Alice');
    expect(formatUri(d.localUri.uri)).toBe('sip:bob@example.com');
    expect(d.role).toBe('uas');
    expect(d.state).toBe(DialogState.Early);
  });

  it('the route set is the Record-Route list in order, the remote target the Contact', () => {
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
    expect(formatUri(d.remoteTarget)).toBe('sip:alice@192.0.2.1:5062');
  });

  it('the remote sequence number is the CSeq of the request and the local one is empty', () => {
    expect(d.remoteSeq).toBe(7);
    expect(d.localSeq).toBeUndefined();
  });

  it('a request without Contact cannot make a dialog', () => {
    const req = msg(['INVITE sip:bob@example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-2', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'Call-ID: c', 'CSeq: 1 INVITE', 'Content-Length: 0']) as SipRequest;
    expect(() => SipDialog.fromRequest(req, { localTag: 't' })).toThrow(DialogError);
  });
});

describe('§12.1.2 UAC behavior: a dialog from a response to our request', () => {
  const req = invite();
  it('the route set is the Record-Route list of the response in reverse order', () => {
    const d = SipDialog.fromResponse(req, ringing(['Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>', 'Contact: <sip:bob@192.0.2.2>']));
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
    expect(formatUri(d.remoteTarget)).toBe('sip:bob@192.0.2.2');
    expect(d.id).toEqual({ callId: 'call-1@192.0.2.1', localTag: 'a1', remoteTag: 'b1' });
  });

  it('a provisional response makes an early dialog, a 2xx a confirmed one', () => {
    expect(SipDialog.fromResponse(req, ringing(['Contact: <sip:bob@192.0.2.2>'])).state).toBe(DialogState.Early);
    expect(SipDialog.fromResponse(req, ringing(['Contact: <sip:bob@192.0.2.2>'], '200 OK')).state).toBe(DialogState.Confirmed);
  });

  it('the local sequence number is the CSeq of the request and the remote one is empty', () => {
    const d = SipDialog.fromResponse(req, ringing(['Contact: <sip:bob@192.0.2.2>']));
    expect(d.localSeq).toBe(7);
    expect(d.remoteSeq).toBeUndefined();
  });

  it('a response without a To tag makes no dialog', () => {
    const res = msg(['SIP/2.0 180 Ringing', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1', 'From: <sip:a@x>;tag=a1', 'To: <sip:b@x>', 'Call-ID: call-1@192.0.2.1', 'CSeq: 7 INVITE', 'Content-Length: 0']) as SipResponse;
    expect(() => SipDialog.fromResponse(req, res)).toThrow(/DIALOG_MISSING_TAG/);
  });

  it('when the 2xx confirms an early dialog the route set is recomputed from the 2xx', () => {
    const d = SipDialog.fromResponse(req, ringing(['Record-Route: <sip:old.example.com;lr>', 'Contact: <sip:bob@192.0.2.2>']));
    d.confirm(ringing(['Record-Route: <sip:new.example.com;lr>', 'Contact: <sip:bob@192.0.2.3>'], '200 OK'));
    expect(d.state).toBe(DialogState.Confirmed);
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:new.example.com;lr']);
    expect(formatUri(d.remoteTarget)).toBe('sip:bob@192.0.2.3');
  });
});

describe('§12.2.1.1 generating a request within a dialog', () => {
  it('To carries the remote URI and tag, From the local URI and tag, and the CSeq goes up by one', () => {
    const d = SipDialog.fromResponse(invite(), ringing(['Contact: <sip:bob@192.0.2.2>'], '200 OK'));
    const bye = d.createRequest('BYE');
    expect(bye.to?.tag).toBe('b1');
    expect(bye.from?.tag).toBe('a1');
    expect(bye.from?.displayName).toBe('Alice');
    expect(bye.callId).toBe('call-1@192.0.2.1');
    expect(bye.cseq).toEqual({ seq: 8, method: 'BYE' });
    expect(d.createRequest('INFO').cseq?.seq).toBe(9);
  });

  it('with an empty route set the Request-URI is the remote target and there is no Route', () => {
    const d = SipDialog.fromResponse(invite(), ringing(['Contact: <sip:bob@192.0.2.2>'], '200 OK'));
    const bye = d.createRequest('BYE');
    expect(bye.uriText).toBe('sip:bob@192.0.2.2');
    expect(bye.headers.has('route')).toBe(false);
  });

  it('a loose first route: the Request-URI is the remote target and the route set goes in Route', () => {
    const d = SipDialog.fromResponse(invite(), ringing(['Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>', 'Contact: <sip:bob@192.0.2.2>'], '200 OK'));
    const bye = d.createRequest('BYE');
    expect(bye.uriText).toBe('sip:bob@192.0.2.2');
    expect(bye.headers.values('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
  });

  it('a strict first route: it becomes the Request-URI and the remote target is the last Route', () => {
    const d = SipDialog.fromResponse(invite(), ringing(['Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;method=INVITE>', 'Contact: <sip:bob@192.0.2.2>'], '200 OK'));
    const bye = d.createRequest('BYE');
    expect(bye.uriText).toBe('sip:p1.example.com');
    expect(bye.headers.values('route')).toEqual(['<sip:p2.example.com;lr>', '<sip:bob@192.0.2.2>']);
  });

  it('a UAS dialog with an empty local sequence number starts at 1', () => {
    const d = SipDialog.fromRequest(invite(), { localTag: 'b1' });
    expect(d.createRequest('BYE').cseq?.seq).toBe(1);
    expect(d.localSeq).toBe(1);
  });

  it('target refresh requests carry our Contact; others do not', () => {
    const d = SipDialog.fromRequest(invite(), { localTag: 'b1', localContact: '<sip:b2b@192.0.2.9>' });
    expect(d.createRequest('INVITE').headers.get('contact')).toBe('<sip:b2b@192.0.2.9>');
    expect(d.createRequest('UPDATE').headers.get('contact')).toBe('<sip:b2b@192.0.2.9>');
    expect(d.createRequest('BYE').headers.has('contact')).toBe(false);
  });

  it('the request carries the body and extra headers and can be written to the wire', () => {
    const d = SipDialog.fromRequest(invite(), { localTag: 'b1' });
    const info = d.createRequest('INFO', { body: 'Signal=1\r\n', contentType: 'application/dtmf-relay', headers: [['Info-Package', 'dtmf']] });
    const text = serialize(info).toString();
    expect(text).toContain('Content-Type: application/dtmf-relay');
    expect(text).toContain('Info-Package: dtmf');
    expect(text).toContain('Content-Length: 10');
  });

  it('the ACK of a 2xx has the CSeq number of the INVITE and does not advance the local sequence', () => {
    const d = SipDialog.fromResponse(invite(), ringing(['Contact: <sip:bob@192.0.2.2>'], '200 OK'));
    const ack = d.createAck(7);
    expect(ack.cseq).toEqual({ seq: 7, method: 'ACK' });
    expect(ack.uriText).toBe('sip:bob@192.0.2.2');
    expect(d.localSeq).toBe(7);
  });

  it('no request but ACK on a terminated dialog', () => {
    const d = SipDialog.fromRequest(invite(), { localTag: 'b1' });
    d.terminate();
    expect(() => d.createRequest('BYE')).toThrow(/DIALOG_TERMINATED/);
    expect(d.createAck(1).method).toBe('ACK');
  });
});

describe('§12.2.2 UAS behavior: requests within a dialog', () => {
  it('a request with a lower CSeq than the remote sequence number is out of order: 500', () => {
    const d = SipDialog.fromRequest(invite(), { localTag: 'b1' });
    expect(d.checkRequest(inDialog('INFO', 8))).toEqual({ ok: true });
    expect(d.remoteSeq).toBe(8);
    expect(d.checkRequest(inDialog('INFO', 6))).toMatchObject({ ok: false, status: 500 });
    expect(d.remoteSeq).toBe(8);
  });

  it('an empty remote sequence number takes the CSeq of the first request', () => {
    const d = SipDialog.fromResponse(invite(), ringing(['Contact: <sip:bob@192.0.2.2>'], '200 OK'));
    expect(d.checkRequest(inDialog('BYE', 100))).toEqual({ ok: true });
    expect(d.remoteSeq).toBe(100);
  });

  it('ACK and CANCEL are not checked against the remote sequence number', () => {
    const d = SipDialog.fromRequest(invite(), { localTag: 'b1' });
    expect(d.checkRequest(inDialog('ACK', 1))).toEqual({ ok: true });
    expect(d.remoteSeq).toBe(7);
  });

  it('a target refresh request replaces the remote target with its Contact', () => {
    const d = SipDialog.fromRequest(invite(), { localTag: 'b1' });
    const reinvite = msg([
      'INVITE sip:bob@192.0.2.9 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-r',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:bob@example.com>;tag=b1',
      'Call-ID: call-1@192.0.2.1',
      'CSeq: 8 INVITE',
      'Contact: <sip:alice@198.51.100.7:5070>',
      'Content-Length: 0',
    ]) as SipRequest;
    expect(d.refreshTarget(reinvite)).toBe(true);
    expect(formatUri(d.remoteTarget)).toBe('sip:alice@198.51.100.7:5070');
    expect(d.refreshTarget(reinvite)).toBe(false);
  });

  it('the dialog of a request is (Call-ID, To tag, From tag) from our side', () => {
    const id = dialogIdOfRequest(inDialog('BYE', 9))!;
    expect(id).toEqual({ callId: 'call-1@192.0.2.1', localTag: 'b1', remoteTag: 'a1' });
    expect(dialogKey(id)).toBe(SipDialog.fromRequest(invite(), { localTag: 'b1' }).key);
    expect(dialogIdOfRequest(invite())).toBeUndefined();
  });
});

describe('§18.1.1, §19.1.1 the hop a URI names', () => {
  it('transport, maddr and the default port', () => {
    expect(uriEndpoint(parseUri('sip:bob@192.0.2.2'))).toEqual({ transport: 'udp', host: '192.0.2.2', port: 5060 });
    expect(uriEndpoint(parseUri('sip:bob@192.0.2.2:5080;transport=TCP'))).toEqual({ transport: 'tcp', host: '192.0.2.2', port: 5080 });
    expect(uriEndpoint(parseUri('sip:bob@example.com;maddr=192.0.2.5'))).toEqual({ transport: 'udp', host: '192.0.2.5', port: 5060 });
    expect(uriEndpoint(parseUri('sips:bob@example.com'))).toBeUndefined();
    expect(uriEndpoint(parseUri('sip:bob@example.com;transport=sctp'))).toBeUndefined();
  });
});
