import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { createLogger } from '../../lib/log.ts';
import { parseUri } from '../message/index.ts';
import type { FlowAddress } from './binding.ts';
import { BINDINGS_FILE_NAME, BindingFile } from './binding-file.ts';
import { LocationService, type ContactUpdate } from './location-service.ts';
import { RegistrarError } from './registrar-error.ts';
import { NAT_SOURCE, T0, setup } from './test-kit.ts';

const AOR = 'alice@example.com';
const flow: FlowAddress = { transport: 'udp', host: '203.0.113.7', port: 40123 };

function contact(uri: string, expires: number, q?: number): ContactUpdate {
  return { uri: parseUri(uri), expires, q, instanceId: undefined, regId: undefined };
}

function set(callId: string, cseq: number, ...contacts: ContactUpdate[]) {
  return { kind: 'set' as const, callId, cseq, flow, userAgent: undefined, contacts };
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', sink: (l) => lines.push(l) }) };
}

describe('LocationService', () => {
  it('looks up live contacts sorted by q descending, an absent q ranking as 1', () => {
    const loc = new LocationService({ clock: new ManualClock(T0) });
    loc.update(AOR, set('c', 1, contact('sip:a@10.0.0.1', 60, 0.2), contact('sip:a@10.0.0.2', 60), contact('sip:a@10.0.0.3', 60, 0.7)));
    expect(loc.lookup('alice@EXAMPLE.com').map((b) => b.contact)).toEqual(['sip:a@10.0.0.2', 'sip:a@10.0.0.3', 'sip:a@10.0.0.1']);
    void loc.close();
  });

  it('applies a REGISTER all or nothing: one stale contact leaves every binding as it was', () => {
    const loc = new LocationService({ clock: new ManualClock(T0) });
    loc.update(AOR, set('c', 5, contact('sip:a@10.0.0.1', 60)));
    const before = loc.registered(AOR);
    const r = loc.update(AOR, set('c', 4, contact('sip:a@10.0.0.2', 60), contact('sip:a@10.0.0.1', 0)));
    expect(r).toEqual({ ok: false, reason: 'OUT_OF_ORDER', contact: 'sip:a@10.0.0.1' });
    expect(loc.registered(AOR)).toEqual(before);
    void loc.close();
  });

  it('removes all bindings for * only when none is newer than the request', () => {
    const loc = new LocationService({ clock: new ManualClock(T0) });
    loc.update(AOR, set('c', 5, contact('sip:a@10.0.0.1', 60)));
    loc.update(AOR, set('d', 1, contact('sip:a@10.0.0.2', 60)));
    expect(loc.update(AOR, { kind: 'remove-all', callId: 'c', cseq: 5 })).toMatchObject({ ok: false, reason: 'OUT_OF_ORDER' });
    expect(loc.registered(AOR)).toHaveLength(2);
    expect(loc.update(AOR, { kind: 'remove-all', callId: 'c', cseq: 6 })).toEqual({ ok: true, bindings: [] });
    void loc.close();
  });

  it('keeps going when a listener throws, and logs it', () => {
    const { lines, logger } = capture();
    const loc = new LocationService({ clock: new ManualClock(T0), logger });
    const heard: string[] = [];
    loc.subscribe(() => {
      throw new Error('boom');
    });
    loc.subscribe((e) => heard.push(e.type));
    expect(loc.update(AOR, set('c', 1, contact('sip:a@10.0.0.1', 60))).ok).toBe(true);
    expect(heard).toEqual(['added']);
    expect(lines.some((l) => l.includes('location listener failed'))).toBe(true);
    void loc.close();
  });

  it('refuses a static contact that is not a SIP URI', () => {
    expect(() => new LocationService({ clock: new ManualClock(), statics: [{ aor: AOR, contact: 'mailto:a@b.c' }] })).toThrowError(RegistrarError);
    expect(() => new LocationService({ clock: new ManualClock(), statics: [{ aor: AOR, contact: 'sip:' }] })).toThrowError(RegistrarError);
  });

  describe('expiry', () => {
    it('a periodic sweep drops expired bindings without anyone reading them', () => {
      const clock = new ManualClock(T0);
      const loc = new LocationService({ clock, sweepIntervalMs: 10_000 });
      const expired: string[] = [];
      loc.subscribe((e) => e.type === 'expired' && expired.push(e.binding.contact));
      loc.update(AOR, set('c', 1, contact('sip:a@10.0.0.1', 60), contact('sip:a@10.0.0.2', 120)));
      clock.advance(60_000);
      expect(loc.size).toBe(1);
      expect(expired).toEqual(['sip:a@10.0.0.1']);
      clock.advance(60_000);
      expect(loc.size).toBe(0);
      void loc.close();
    });

    it('close() cancels the sweep timer and the pending write: no timer is left behind', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'registrar-'));
      try {
        const clock = new ManualClock(T0);
        const loc = await LocationService.open({ clock, dataDir: dir });
        loc.update(AOR, set('c', 1, contact('sip:a@10.0.0.1', 60)));
        // The sweep and the debounced write.
        expect(clock.pending).toBe(2);
        await loc.close();
        expect(clock.pending).toBe(0);
        // The pending write was flushed by close.
        expect(JSON.parse(await readFile(join(dir, BINDINGS_FILE_NAME), 'utf8')).bindings).toHaveLength(1);
        // Closed: REGISTERs are refused, the timers stay off.
        expect(loc.update(AOR, set('c', 2, contact('sip:a@10.0.0.1', 60)))).toEqual({ ok: false, reason: 'CLOSED' });
        clock.advance(3_600_000);
        expect(clock.pending).toBe(0);
        await loc.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('a closed location service makes the registrar answer 503 with Retry-After', async () => {
      const { location, phone } = setup();
      await location.close();
      const res = await phone('alice', 'wonderland').send({ contacts: ['<sip:alice@10.0.0.1>'] });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    });
  });

  describe('persistence', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'registrar-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('a new instance on the same folder sees the live bindings after a restart, not the expired ones', async () => {
      const clock = new ManualClock(T0);
      const first = await LocationService.open({ clock, dataDir: dir });
      const { phone } = setup({ clock, location: first });
      expect((await phone('alice', 'wonderland').send({ contacts: ['<sip:alice@192.168.1.20>;q=0.8'], expires: 600 })).status).toBe(200);
      expect((await phone('bob', 'builder').send({ contacts: ['<sip:bob@192.168.1.30>'], expires: 60 })).status).toBe(200);
      await first.close();

      // Two minutes later: bob's binding ran out while the server was down.
      const later = new ManualClock(T0 + 120_000);
      const { lines, logger } = capture();
      const second = await LocationService.open({ clock: later, dataDir: dir, logger });
      expect(second.lookup(AOR)).toEqual([
        {
          kind: 'registered',
          aor: AOR,
          contact: 'sip:alice@192.168.1.20',
          q: 0.8,
          expiresAt: T0 + 600_000,
          callId: 'call-alice@192.168.1.20',
          cseq: 2,
          flow: NAT_SOURCE,
          instanceId: undefined,
          regId: undefined,
          userAgent: 'TestPhone/1.0',
          registeredAt: T0,
          updatedAt: T0,
        },
      ]);
      expect(second.lookup('bob@example.com')).toEqual([]);
      expect(lines.some((l) => l.includes('registrations loaded') && l.includes('live=1') && l.includes('expired=1'))).toBe(true);
      // A refresh after the restart follows on from the stored CSeq.
      const { phone: phone2 } = setup({ clock: later, location: second });
      const alice = phone2('alice', 'wonderland');
      alice.cseq = 2;
      expect((await alice.send({ contacts: ['<sip:alice@192.168.1.20>'], expires: 600 })).status).toBe(200);
      await second.close();
      // The expired binding is not written back.
      const saved = JSON.parse(await readFile(join(dir, BINDINGS_FILE_NAME), 'utf8'));
      expect(saved.bindings.map((b: { aor: string }) => b.aor)).toEqual([AOR]);
    });

    it('keeps the flow across a restart, except the connection, which does not survive it', async () => {
      const clock = new ManualClock(T0);
      const first = await LocationService.open({ clock, dataDir: dir });
      const tcp: FlowAddress = { transport: 'tcp', host: '198.51.100.4', port: 51000, transportId: 'tcp:0.0.0.0:5060', connectionId: 'c-17' };
      first.update(AOR, { ...set('c', 1, contact('sip:a@10.0.0.1;transport=tcp', 600)), flow: tcp });
      expect(first.registered(AOR)[0]?.flow).toEqual(tcp);
      await first.close();
      const second = await LocationService.open({ clock, dataDir: dir });
      expect(second.registered(AOR)[0]?.flow).toEqual({ transport: 'tcp', host: '198.51.100.4', port: 51000, transportId: 'tcp:0.0.0.0:5060' });
      await second.close();
    });

    it('gathers changes for the save delay into one write, made through a temporary file and a rename', async () => {
      const clock = new ManualClock(T0);
      const loc = await LocationService.open({ clock, dataDir: dir, saveDelayMs: 1_000 });
      const save = vi.spyOn(BindingFile.prototype, 'save');
      try {
        loc.update(AOR, set('c', 1, contact('sip:a@10.0.0.1', 600)));
        loc.update(AOR, set('c', 2, contact('sip:a@10.0.0.2', 600)));
        loc.update('bob@example.com', set('b', 1, contact('sip:b@10.0.0.3', 600)));
        clock.advance(999);
        expect(save).not.toHaveBeenCalled();
        clock.advance(1);
        await loc.flush();
        expect(save).toHaveBeenCalledTimes(1);
        expect(save.mock.calls[0]?.[0]).toHaveLength(3);
        // Nothing pending: flushing again writes nothing.
        await loc.flush();
        expect(save).toHaveBeenCalledTimes(1);
        expect(await readdir(dir)).toEqual([BINDINGS_FILE_NAME]);
      } finally {
        save.mockRestore();
        await loc.close();
      }
    });

    it('a corrupt file is logged and moved aside, and the server starts without bindings', async () => {
      const file = join(dir, BINDINGS_FILE_NAME);
      await writeFile(file, '{"version":1,"bindings":[{"aor":');
      const { lines, logger } = capture();
      const loc = await LocationService.open({ clock: new ManualClock(T0), dataDir: dir, logger });
      expect(loc.size).toBe(0);
      expect(await readdir(dir)).toContain(`${BINDINGS_FILE_NAME}.corrupt-${T0}`);
      expect(lines.some((l) => l.includes('error') && l.includes('code=BINDINGS_FILE_CORRUPT'))).toBe(true);
      await loc.close();
    });

    it('a file of the wrong shape is corrupt too', async () => {
      const file = join(dir, BINDINGS_FILE_NAME);
      await writeFile(file, JSON.stringify({ version: 1, savedAt: T0, bindings: [{ aor: AOR, contact: 'not a uri' }] }));
      const loc = await LocationService.open({ clock: new ManualClock(T0), dataDir: dir });
      expect(loc.size).toBe(0);
      expect((await readdir(dir)).some((f) => f.startsWith(`${BINDINGS_FILE_NAME}.corrupt-`))).toBe(true);
      await loc.close();
    });

    it('a write that fails is logged, never thrown, and tried again at close', async () => {
      // A data folder that is a file: mkdir and the write fail.
      const notADir = join(dir, 'plain-file');
      await writeFile(notADir, '');
      const { lines, logger } = capture();
      const clock = new ManualClock(T0);
      const loc = await LocationService.open({ clock, dataDir: notADir, logger });
      loc.update(AOR, set('c', 1, contact('sip:a@10.0.0.1', 600)));
      // The debounced write fails, then close tries once more.
      clock.advance(1_000);
      await loc.close();
      expect(lines.filter((l) => l.includes('code=BINDINGS_FILE_WRITE_FAILED'))).toHaveLength(2);
      expect(loc.registered(AOR)).toHaveLength(1);
    });
  });
});
