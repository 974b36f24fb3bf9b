// With local SIP activities an answer waits for the workflow task, so a collecting activity waits no
// longer than the checkpoint a request is waiting for (docs/operations.md, "Where an operation runs").
import { describe, expect, it } from 'vitest';
import { COLLECT_MS, collectFor } from './collect-window.ts';

describe('collectFor: how long a local placeCall or sendRefer collects', () => {
  it('an answer already due (mode 0 at checkpoint 0): sends and returns at once', () => {
    expect(collectFor('call', 0, 0)).toEqual({ collectMs: 0 });
    expect(collectFor('refer', 2, 2)).toEqual({ collectMs: 0 });
    expect(collectFor('refer', 1, 2)).toEqual({ collectMs: 0 });
  });

  it("an answer at ringing (mode 1): the INVITE's first event reaches it, so the call returns at that event", () => {
    expect(collectFor('call', 1, 0)).toEqual({ collectMs: COLLECT_MS, settle: 'first' });
  });

  it("an answer at the REFER's acceptance (mode 3): the REFER returns at its first event (the 202 or a refusal)", () => {
    expect(collectFor('refer', 3, 2)).toEqual({ collectMs: COLLECT_MS, settle: 'first' });
  });

  it('an answer further on (mode 2 for the call, 4 or 5 for the REFER): the whole window, up to the outcome', () => {
    expect(collectFor('call', 2, 0)).toEqual({ collectMs: COLLECT_MS });
    expect(collectFor('refer', 4, 2)).toEqual({ collectMs: COLLECT_MS });
    expect(collectFor('call', 5, 0)).toEqual({ collectMs: COLLECT_MS });
  });

  it('no request waiting (runs started without one): the whole window', () => {
    expect(collectFor('call', undefined, 0)).toEqual({ collectMs: COLLECT_MS });
    expect(collectFor('refer', undefined, 3)).toEqual({ collectMs: COLLECT_MS });
  });
});
