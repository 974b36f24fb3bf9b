// The machines run inside Temporal's workflow sandbox. Its bundler refuses Node built-ins and
// other disallowed modules, so bundling machines/index.ts is the check that they are fit for it.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('workflow bundle', () => {
  it('bundles machines/index.ts with Temporal\'s workflow bundler', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./index.ts', import.meta.url)),
      logger: quiet as unknown as Parameters<typeof bundleWorkflowCode>[0]['logger'],
    });
    expect(code).toContain('createServiceScriptMachine');
  }, 30_000);
});
