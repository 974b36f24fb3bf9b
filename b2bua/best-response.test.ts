import { describe, expect, it } from 'vitest';
import { createRequest, createResponse } from '../sip/message/index.ts';
import { LocalResponse } from '../sip/transaction/index.ts';
import { bestResponse, normalizeFailure } from './best-response.ts';
import { causeOfFailure } from './end-cause.ts';

const req = createRequest({ method: 'INVITE', uri: 'sip:b@example.com', from: '<sip:a@example.com>;tag=1', to: '<sip:b@example.com>', cseq: 1 });
const res = (status: number, reason?: string) => createResponse(req, status, reason);

describe('§16.7 choosing the best response, simplified', () => {
  it('a 6xx wins over everything', () => {
    expect(bestResponse([res(486), res(404), res(603, 'Decline')])).toEqual({ status: 603, reason: 'Decline' });
  });

  it('else busy wins over the other 4xx and 5xx', () => {
    expect(bestResponse([res(404), res(500), res(486, 'Busy Here')])).toEqual({ status: 486, reason: 'Busy Here' });
  });

  it('else the lowest class, the first response of it', () => {
    expect(bestResponse([res(500), res(404, 'Not Found'), res(480)])).toEqual({ status: 404, reason: 'Not Found' });
  });

  it('no response at all is 480', () => {
    expect(bestResponse([])).toMatchObject({ status: 480 });
  });

  it('redirects and challenges of the callee become 480; a 503 becomes 500; no answer from the device 480', () => {
    expect(normalizeFailure(res(302)).status).toBe(480);
    expect(normalizeFailure(res(407)).status).toBe(480);
    expect(normalizeFailure(res(503)).status).toBe(500);
    expect(normalizeFailure(LocalResponse.timeout(req)).status).toBe(480);
    expect(normalizeFailure(LocalResponse.transportError(req, new Error('x'))).status).toBe(480);
  });

  it('the end cause follows the answer the caller got', () => {
    expect([486, 600, 603, 480, 408, 404, 500, 487].map(causeOfFailure)).toEqual(['busy', 'busy', 'decline', 'noanswer', 'noanswer', 'rejected', 'error', 'cancel']);
  });
});
