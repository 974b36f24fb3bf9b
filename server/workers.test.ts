// The SDK's log lines reach ours with what ops need to act on them.
import { describe, expect, it } from 'vitest';
import { sdkLogFields } from './workers.ts';

describe('sdkLogFields', () => {
  it("keeps the workflow, the activity and the error's name and message of an \"Activity failed\" line", () => {
    const meta = { workflowId: 'op-post-1', workflowType: 'opPost', activityType: 'placeCall', activityId: '1', isLocal: true, taskToken: 'secret-ish', error: new TypeError('no contact for sip1') };
    expect(sdkLogFields(meta)).toEqual({ workflowId: 'op-post-1', workflowType: 'opPost', activityType: 'placeCall', activityId: '1', isLocal: 'true', error: 'TypeError: no contact for sip1' });
  });

  it('drops what is not plain (objects, task tokens) and cuts long errors', () => {
    const fields = sdkLogFields({ workflowId: { nested: 1 }, failure: 'x'.repeat(1000) });
    expect(fields).toEqual({ error: 'x'.repeat(300) });
    expect(sdkLogFields(undefined)).toEqual({});
  });
});
