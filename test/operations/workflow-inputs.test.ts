// From an API request to the workflow's id and input, without Temporal: ids (random, or derived from
// the user and the Idempotency-Key), the request fingerprint, and what each script is given.
import { describe, expect, it } from 'vitest';
import type { ClickToCallRequest, ReferRequest } from '../../api/ports.ts';
import { acct, ext, makeStore, testConfig } from '../../api/test-helpers.ts';
import { clickToCallInput, operationWorkflowId, referInput, requestFingerprint } from '../../operations/workflow-inputs.ts';
import { loadBuiltinScript } from '../../service-scripts/load.ts';
import { bindInput } from '../../machines/index.ts';

const config = testConfig();
const domain = config.domains[0]!;
const [alice, bob] = domain.users as [(typeof domain.users)[number], (typeof domain.users)[number]];
const principal = (u = alice) => ({ domain, user: u, sipusers: u.sipusers });

function post(over: Partial<ClickToCallRequest> = {}, input: Partial<ClickToCallRequest['input']> = {}): ClickToCallRequest {
  return {
    kind: 'POST',
    principal: principal(),
    from: alice.sipusers[0]!,
    input: { mode: 'number', from: '11', to: "13,5'6", callerid: '100', callername: 'callmanager', calltimeout: 30, response_mode: 2, use_intercom: false, ...input },
    ...over,
  };
}

describe('workflow ids', () => {
  it('op-<verb>-<uuid> without a key; op-refer carries the dialog id', () => {
    expect(operationWorkflowId(post(), () => 'u-1')).toBe('op-post-u-1');
    expect(operationWorkflowId({ ...post(), kind: 'INVITE' }, () => 'u-2')).toBe('op-invite-u-2');
    const refer = { kind: 'REFER', principal: principal(), dialogid: 'rDlg-001-abcdef', input: { by: 'a', referto: '13', response_mode: 2 }, by: { side: 'a', callids: ['c'] } } as ReferRequest;
    expect(operationWorkflowId(refer, () => 'u-3')).toBe('op-refer-rDlg-001-abcdef-u-3');
  });

  it('with an Idempotency-Key: the same for the same user and key, different for another user or key', () => {
    const a1 = operationWorkflowId(post({ idempotencyKey: 'k' }));
    expect(a1).toMatch(/^op-post-[0-9a-f]{32}$/);
    expect(operationWorkflowId(post({ idempotencyKey: 'k' }))).toBe(a1);
    expect(operationWorkflowId(post({ idempotencyKey: 'k2' }))).not.toBe(a1);
    expect(operationWorkflowId(post({ idempotencyKey: 'k', principal: principal(bob), from: bob.sipusers[0]! }))).not.toBe(a1);
  });

  it('the fingerprint ignores response_mode and the key, not what the operation does', () => {
    const f = requestFingerprint(post());
    expect(requestFingerprint(post({ idempotencyKey: 'x' }, { response_mode: 5 }))).toBe(f);
    expect(requestFingerprint(post({}, { to: '14' }))).not.toBe(f);
  });
});

describe('workflow inputs', () => {
  it('POST: X by its number, defaults, the intercom prefix and domain; the input binds to the script', () => {
    const input = clickToCallInput(post({}, { binding: 'crm-1', use_intercom: true }), config);
    expect(input).toMatchObject({
      node: '001',
      user: 'alice@test.rootdomain.ru',
      domain: 'test.rootdomain.ru',
      params: { from: '11', to: "13,5'6", callerid: '100', callername: 'callmanager', calltimeout: 30, use_intercom: true, intercom_prefix: '*88', domain: 'test.rootdomain.ru' },
      bindings: ['crm-1'],
    });
    expect(input.script.name).toBe('post');
    expect(bindInput(loadBuiltinScript('post'), { params: input.params, callids: { ivr: 'c' } }).ok).toBe(true);
  });

  it('INVITE: the invite script, with X\'s number shown to Y', () => {
    const input = clickToCallInput({ ...post(), kind: 'INVITE' }, config);
    expect(input.script.name).toBe('invite');
    expect(input.params.from_number).toBe('11');
    expect(bindInput(loadBuiltinScript('invite'), { params: input.params, callids: { x: 'a', y: 'b' } }).ok).toBe(true);
  });

  it('REFER: Y is across from `by`, Replaces Y\'s leg, Referred-By X, back to X\'s number; labels carried over', () => {
    const store = makeStore([{ suffix: 'Refer1', a: acct('sip1'), b: ext('79001112233'), opts: { bindings: ['vip'] } }]);
    const dialog = store.get('rDlg-001-Refer1')!.dialog;
    const request: ReferRequest = {
      kind: 'REFER',
      principal: principal(),
      dialogid: dialog.dialogid,
      input: { by: 'a', referto: '13', response_mode: 2, binding: 'crm-2' },
      by: { side: 'a', callids: [dialog.acallid] },
    };
    const input = referInput(request, store);
    expect(input).toMatchObject({
      node: '001',
      dialogid: 'rDlg-001-Refer1',
      params: {
        y: 'sip:79001112233@test.rootdomain.ru',
        y_callid: dialog.legs.find((l) => l.side === 'b')!.callid,
        x: '<sip:sip1@test.rootdomain.ru>',
        x_number: '11',
        referto: '13',
      },
      bindings: ['vip', 'crm-2'],
    });
    expect(bindInput(loadBuiltinScript('refer'), { params: input.params, callids: { ivr: 'c' } }).ok).toBe(true);
    expect(() => referInput({ ...request, dialogid: 'rDlg-001-Gone00' }, store)).toThrow(expect.objectContaining({ code: 1413 }));
  });
});
