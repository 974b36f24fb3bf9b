// Test fixtures for the event stream: the app, the front end and the WebSocket upgrade handler on
// 127.0.0.1 (port 0), a bus, events made from the standard dialogs, and an SSE reader over node:http.
// Not a test file itself; only *.test.ts import it.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { CallEventBus, type AsrEvent, type CallEvent, type CallEventType } from '../events/call-events.ts';
import { createHttpFrontEnd, type HttpFrontEnd } from '../http/server.ts';
import { ManualClock } from '../lib/clock.ts';
import type { StoredDialog } from '../store/dialog.ts';
import type { EventStreamOptions } from './event-client.ts';
import { createEventsUpgradeHandler, type EventsUpgradeHandler } from './event-ws.ts';
import { captureLogger, fixtureSpecs, makeApp, makeStore, testConfig } from './test-helpers.ts';

export const EVENTS_PATH = '/rest/v1/user/sip/events';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export interface Served {
  port: number;
  bus: CallEventBus;
  clock: ManualClock;
  fe: HttpFrontEnd;
  upgrade: EventsUpgradeHandler;
  store: ReturnType<typeof makeStore>;
  lines: string[];
}

const running: Served[] = [];

/** Call in afterEach: ends every client, then the front end. */
export async function closeAll(): Promise<void> {
  for (const s of running.splice(0)) {
    const closing = s.fe.close();
    const clients = s.upgrade.close();
    // Clients stuck on a full socket are cut after the grace time, which runs on the manual clock.
    s.clock.advance(60_000);
    await clients;
    await closing;
  }
}

export async function serveEvents(opts: { eventStream?: Partial<EventStreamOptions>; bus?: boolean } = {}): Promise<Served> {
  const clock = new ManualClock(1_700_000_000_000);
  const bus = new CallEventBus();
  const store = makeStore(fixtureSpecs());
  const { logger, lines } = captureLogger();
  const eventStream = { clock, ...opts.eventStream };
  const config = testConfig();
  const { app } = makeApp({ config, store, logger, eventStream, ...(opts.bus === false ? {} : { events: bus }) });
  const fe = createHttpFrontEnd({ fetch: (req, env) => app.fetch(req, env), closeGraceMs: 500 });
  const upgrade = createEventsUpgradeHandler({ config, events: bus, logger, eventStream, fallback: (s) => fe.handle(s) });
  fe.onUpgrade(upgrade);
  const { port } = await fe.listen(0, '127.0.0.1');
  const served = { port, bus, clock, fe, upgrade, store, lines };
  running.push(served);
  return served;
}

/** A call event about one of the store's dialogs, with its participants (as the SIP node sends). */
export function callEvent(entry: StoredDialog, type: CallEventType = 'ring', extra: Partial<CallEvent> = {}): CallEvent {
  return {
    type,
    ts: 1_700_000_000_500,
    inviteid: entry.dialog.inviteid,
    dialogid: entry.dialog.dialogid,
    bindings: entry.dialog.opts.bindings ?? [],
    startts: entry.dialog.startts,
    participants: entry.participants,
    ...extra,
  };
}

export function asrEvent(entry: StoredDialog, text: string, extra: Partial<AsrEvent> = {}): AsrEvent {
  return {
    type: 'asr',
    ts: 1_700_000_000_600,
    dialogid: entry.dialog.dialogid,
    layer: 'default',
    callid: entry.dialog.acallid,
    text,
    final: true,
    participants: entry.participants,
    ...extra,
  };
}

/** An SSE response read as it arrives. */
export interface SseReader {
  res: IncomingMessage;
  text: () => string;
  ended: Promise<void>;
  /** Resolves once the text received holds `s` (optionally `times` times). */
  waitFor(s: string, times?: number): Promise<void>;
  /** The data: JSON of every event of a type received so far. */
  events(type?: string): unknown[];
  close(): void;
}

export function openSse(port: number, headers: Record<string, string>, path = EVENTS_PATH): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      const ended = new Promise<void>((r) => {
        res.on('end', () => r());
        res.on('close', () => r());
      });
      const count = (s: string) => text.split(s).length - 1;
      resolve({
        res,
        text: () => text,
        ended,
        waitFor: (s, times = 1) => until(`"${s}" x${times} in the stream`, () => count(s) >= times),
        events: (type) =>
          text
            .split('\n\n')
            .filter((block) => type === undefined || block.includes(`event: ${type}\n`))
            .flatMap((block) => block.split('\n').filter((l) => l.startsWith('data: ')))
            .map((l) => JSON.parse(l.slice(6)) as unknown),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
