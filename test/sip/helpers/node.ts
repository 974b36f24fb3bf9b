// A SIP node for tests: the demo config's domain and accounts on free loopback ports, a private data
// folder, and the events it publishes recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSipNode, type SipNode, type SipNodeOptions } from '../../../b2bua/index.ts';
import { configSchema, type Config } from '../../../config/schema.ts';
import { CallEventBus, type CallEvent } from '../../../events/call-events.ts';
import { createLogger, silentLogger, type LogLevel, type Logger } from '../../../lib/log.ts';
import { CallStore } from '../../../store/call-store.ts';

export const DOMAIN = 'test.rootdomain.ru';

/** A port free for both UDP and TCP on loopback, above the tests' media ranges (one implementation). */
import { freePort } from '../../helpers/server-process.ts';
export { freePort };

/** An even base for a media range of `size` ports, somewhere tests are unlikely to collide. */
export function mediaRange(size = 400): [number, number] {
  const base = 40_000 + 2 * Math.floor(Math.random() * 4_000);
  return [base, base + size - 1];
}

export interface TestNodeOptions extends Partial<Omit<SipNodeOptions, 'config' | 'store' | 'events' | 'logger'>> {
  /** Static contacts by login, e.g. `{ sip2: 'sip:127.0.0.1:5099' }`. */
  statics?: Record<string, string>;
  mediaPorts?: [number, number];
  tcp?: boolean;
  /** The node's logger (default: silent, or SIP_TEST_LOG's level). */
  logger?: Logger;
}

export interface TestNode {
  node: SipNode;
  config: Config;
  store: CallStore;
  events: CallEvent[];
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export function testConfig(port: number, dir: string, opts: TestNodeOptions = {}): Config {
  const sipuser = (id: number, login: string, phonenumber: string, password: string) => ({
    id,
    login,
    phonenumber,
    password,
    ...(opts.statics?.[login] !== undefined && { contact: opts.statics[login] }),
  });
  return configSchema.parse({
    site: 'SITE1',
    node: '001',
    sip: {
      listen: [{ transport: 'udp', host: '127.0.0.1', port }, ...(opts.tcp === false ? [] : [{ transport: 'tcp', host: '127.0.0.1', port }])],
      media: { host: '127.0.0.1', ports: opts.mediaPorts ?? mediaRange() },
    },
    http: { listen: { host: '127.0.0.1', port: 1 } },
    data: { dir: join(dir, 'data') },
    recordings: { dir: join(dir, 'data', 'recordings') },
    domains: [
      {
        name: DOMAIN,
        featurecodes: [
          { type: 'conf', prefix: '*99' },
          { type: 'intercom', prefix: '*88' },
        ],
        users: [
          { login: 'alice', tokens: ['alice-token'], sipusers: [sipuser(1, 'sip1', '11', 'secret1'), sipuser(2, 'sip2', '12', 'secret2')] },
          { login: 'bob', tokens: ['bob-token-1'], sipusers: [sipuser(3, 'sip3', '13', 'secret3'), sipuser(4, 'sip4', '14', 'secret4')] },
        ],
      },
    ],
  });
}

export async function startTestNode(opts: TestNodeOptions = {}): Promise<TestNode> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'callctl-sip-'));
  const config = testConfig(port, dir, opts);
  const store = new CallStore();
  const bus = new CallEventBus();
  const events: CallEvent[] = [];
  bus.subscribe((e) => {
    if (e.type !== 'asr') events.push(e);
  });
  const { statics: _s, mediaPorts: _m, tcp: _t, logger, ...nodeOpts } = opts;
  const node = await startSipNode({ ...nodeOpts, config, store, events: bus, logger: logger ?? testLogger() });
  return {
    node,
    config,
    store,
    events,
    port,
    dir,
    async stop() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIP_TEST_LOG=debug (or info) shows the node's log lines while a test runs. */
function testLogger(): Logger {
  const level = process.env.SIP_TEST_LOG as LogLevel | undefined;
  return level ? createLogger({ level }) : silentLogger;
}

/** Polls until `check` holds (or throws with `what` after `ms`). */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
