import { describe, expect, it } from 'vitest';
import { devServerArgs, LATENCY_DYNAMIC_CONFIG, SQLITE_PRAGMAS } from './dev-server.ts';

const base = { dataDir: '/data/temporal', port: 7233, uiPort: 8233, namespace: 'callctl' };

/** The values given for one repeated flag, in order. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('the embedded dev server command line', () => {
  it('serves /metrics on the port given, or leaves the CLI its random pick', () => {
    expect(values(devServerArgs({ ...base, metricsPort: 8234 }), '--metrics-port')).toEqual(['8234']);
    expect(values(devServerArgs(base), '--metrics-port')).toEqual([]);
  });

  it('keeps the store in a SQLite file in WAL mode without an fsync per commit', () => {
    const args = devServerArgs(base);
    expect(values(args, '--db-filename')).toEqual(['/data/temporal/temporal.sqlite']);
    expect(values(args, '--sqlite-pragma')).toEqual(['journal_mode=wal', 'synchronous=normal']);
    expect(SQLITE_PRAGMAS).toEqual({ journal_mode: 'wal', synchronous: 'normal' });
  });

  it('reads the history transfer queue up to 1000 times a second, not the default 20', () => {
    const dyn = values(devServerArgs(base), '--dynamic-config-value');
    expect(dyn).toContain('history.transferProcessorMaxPollRPS=1000');
    expect(dyn).toContain('frontend.enableServerVersionCheck=false');
    expect(LATENCY_DYNAMIC_CONFIG['history.transferProcessorMaxPollRPS']).toBe('1000');
  });

  it('lets the caller override a setting, each key given once', () => {
    const args = devServerArgs({ ...base, dynamicConfig: { 'history.transferProcessorMaxPollRPS': '50' }, sqlitePragmas: { synchronous: 'full' } });
    const dyn = values(args, '--dynamic-config-value').filter((v) => v.startsWith('history.transferProcessorMaxPollRPS='));
    expect(dyn).toEqual(['history.transferProcessorMaxPollRPS=50']);
    expect(values(args, '--sqlite-pragma')).toEqual(['journal_mode=wal', 'synchronous=full']);
  });

  it('with the store in memory, names no file and sets no pragma', () => {
    const args = devServerArgs({ ...base, memory: true });
    expect(args).not.toContain('--db-filename');
    expect(args).not.toContain('--sqlite-pragma');
    expect(values(args, '--port')).toEqual(['7233']);
    expect(values(args, '--ip')).toEqual(['127.0.0.1']);
  });

  it('registers the search attributes the workflows set', () => {
    expect(values(devServerArgs(base), '--search-attribute')).toEqual(['CallDialogId=Keyword', 'CallUser=Keyword', 'CallOperation=Keyword']);
  });
});
