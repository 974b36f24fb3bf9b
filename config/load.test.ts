import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from './load.ts';

const minimal = {
  site: 'S',
  node: '002',
  sip: { listen: [{ transport: 'udp', host: '127.0.0.1', port: 5060 }], media: { host: '127.0.0.1', ports: [20000, 20099] } },
  http: { listen: { host: '127.0.0.1', port: 8080 } },
  domains: [{ name: 'd.example', users: [{ login: 'u', tokens: ['token-123456'], sipusers: [{ id: 1, login: 'a', phonenumber: '10', password: 'p' }] }] }],
};

function problems(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('the shipped demo config is valid and is the default', () => {
    const cfg = loadConfig();
    expect(cfg.node).toBe('001');
    expect(cfg.temporal).toMatchObject({ address: 'embedded', namespace: 'default' });
    expect(cfg.domains[0]?.users[0]?.tokens).toContain('alice-token');
  });

  it('fills defaults for the optional sections', () => {
    const cfg = parseConfig(stringify(minimal), 'm.yaml', '/srv/callctl');
    expect(cfg.temporal).toEqual({ address: 'embedded', namespace: 'default', port: 7233, uiPort: 8233, metricsPort: 8234, workflowStackTraces: false, workflowWatchdog: true });
    expect(cfg.http.limits.maxBodyBytes).toBe(1 << 20);
    expect(cfg.data.dir).toBe('/srv/callctl/data');
    expect(cfg.recordings.dir).toBe('/srv/callctl/data/recordings');
    expect(cfg.asr).toBeUndefined();
  });

  it('lists every problem as path: message, not just the first', () => {
    const bad = structuredClone(minimal) as Record<string, unknown> & typeof minimal;
    (bad as { node: string }).node = '1';
    bad.sip.listen[0]!.transport = 'sctp';
    bad.sip.media.ports = [30000, 20000];
    (bad.http.listen as { port: number }).port = 70000;
    const p = problems(stringify(bad));
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^node: must be 3 digits/),
        expect.stringMatching(/^sip\.listen\.0\.transport: /),
        expect.stringMatching(/^http\.listen\.port: /),
      ]),
    );
    expect(p.length).toBeGreaterThanOrEqual(3);
  });

  it('checks cross-field rules: port range order, duplicate tokens, accounts and prefixes', () => {
    const bad = structuredClone(minimal);
    bad.sip.media.ports = [30000, 20000];
    const user = bad.domains[0]!.users[0]!;
    bad.domains[0]!.users.push({ login: 'v', tokens: [user.tokens[0]!], sipusers: [{ id: 1, login: '10', phonenumber: '11', password: 'q' }] });
    (bad.domains[0] as Record<string, unknown>).featurecodes = [{ type: 'conf', prefix: '*9' }, { type: 'intercom', prefix: '*9' }];
    const p = problems(stringify(bad));
    expect(p).toEqual(
      expect.arrayContaining([
        'sip.media.ports: first port must not exceed the second',
        'domains.0.users.1.tokens.0: token already given to u@d.example',
        'domains.0.users.1.sipusers.0.id: duplicate sipuser id 1',
        'domains.0.users.1.sipusers.0.login: "10" already names another account in this domain',
        'domains.0.featurecodes.1.prefix: duplicate prefix "*9"',
      ]),
    );
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(problems('site: a\nsite: b\n')[0]).toMatch(/^line 2: /);
    expect(problems('site: [unclosed\n')[0]).toMatch(/^line \d+: /);
  });

  it('an alias to no anchor, and aliases past the count a YAML bomb needs, are ConfigErrors', () => {
    expect(problems('site: *nowhere\n')[0]).toMatch(/^\(yaml\): Unresolved alias/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
    expect(problems(bomb)[0]).toMatch(/^\(yaml\): .*alias/i);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadConfig('/nonexistent/callctl.yaml')).toThrow(/\/nonexistent\/callctl\.yaml[\s\S]*cannot read/);
  });

  it('resolves relative folders against the config file folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callctl-cfg-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, stringify({ ...minimal, data: { dir: 'state' } }));
    expect(loadConfig(file).data.dir).toBe(join(dir, 'state'));
  });
});
