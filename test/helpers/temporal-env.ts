// A real Temporal dev server for tests: the CLI built by `npm run setup` (or .ci/run), started by
// @temporalio/testing with `existing-path` (its own download would fail on this network).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { temporalCliPath, temporalCliWorks } from '../../temporal/cli-build.ts';

/** The SDK logs every worker state change at INFO; tests want its warnings only. */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process: keep it.
  }
}

export async function startTestTemporal(): Promise<TestWorkflowEnvironment> {
  const path = temporalCliPath();
  if (!temporalCliWorks(path)) {
    throw new Error(`no Temporal CLI at ${path}: run \`npm run setup\` first (it builds it from the Go module proxy)`);
  }
  quietRuntime();
  // No version check against an internet host from tests.
  process.env.TEMPORAL_VERSION_CHECK_DISABLED = '1';
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error', '--dynamic-config-value', 'frontend.enableServerVersionCheck=false', '--search-attribute', 'CallDialogId=Keyword', '--search-attribute', 'CallUser=Keyword', '--search-attribute', 'CallOperation=Keyword'],
    },
  });
}
