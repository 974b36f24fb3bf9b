import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { MediaManager } from './media-manager.ts';
import { TestPhone, rtpPacket } from './test-phone.ts';

const HOST = '127.0.0.1';

describe('MediaManager', () => {
  it('opens sessions by dialog id, counts them, closes them, and ends with nothing open', async () => {
    const m = new MediaManager({ host: HOST, ports: [31500, 31519] });
    expect(m.address).toBe(HOST);
    expect(m.capacityLeft).toBe(5);
    const s1 = await m.createSession('dlg-1');
    const s2 = await m.createSession('dlg-2');
    expect(m.get('dlg-1')).toBe(s1);
    expect(m.stats()).toEqual({ sessions: 2, portsInUse: 8, portsFree: 12, socketsOpen: 8, socketsIdle: 0, bindFailures: 0 });
    await expect(m.createSession('dlg-1')).rejects.toMatchObject({ code: 'MEDIA_SESSION_EXISTS' });

    // A session closed directly leaves the manager too.
    await s1.close();
    expect(m.get('dlg-1')).toBeUndefined();
    expect(m.sessions).toBe(1);
    await m.closeSession('dlg-2');
    await m.closeSession('unknown');
    expect(s2.closed).toBe(true);
    expect({ sessions: m.sessions, ports: m.portsInUse, sockets: m.socketsOpen }).toEqual({ sessions: 0, ports: 0, sockets: 0 });
    // A quarter of the range's 10 pairs stays bound for the next calls, until closeAll.
    expect(m.socketsIdle).toBe(4);
    await m.closeAll();
    expect({ open: m.socketsOpen, idle: m.socketsIdle }).toEqual({ open: 0, idle: 0 });
  });

  it('refuses a second create for an id still opening', async () => {
    const m = new MediaManager({ host: HOST, ports: [31520, 31539] });
    const first = m.createSession('dlg');
    await expect(m.createSession('dlg')).rejects.toMatchObject({ code: 'MEDIA_SESSION_EXISTS' });
    await first;
    await m.closeAll();
  });

  it('reports exhaustion when the range is full, and recovers after a close', async () => {
    const m = new MediaManager({ host: HOST, ports: [31540, 31547] });
    await m.createSession('a');
    await m.createSession('b');
    await expect(m.createSession('c')).rejects.toMatchObject({ code: 'MEDIA_PORTS_EXHAUSTED' });
    expect(m.sessions).toBe(2);
    await m.closeSession('a');
    await m.createSession('c');
    await m.closeAll();
    expect(m.socketsOpen).toBe(0);
  });

  it('closeAll closes everything, including sessions still opening, and refuses new ones', async () => {
    const m = new MediaManager({ host: HOST, ports: [31550, 31599] });
    await Promise.all(Array.from({ length: 5 }, (_, i) => m.createSession(`s${i}`)));
    const late = m.createSession('late');
    await m.closeAll();
    await expect(late).rejects.toMatchObject({ code: 'MEDIA_MANAGER_CLOSED' });
    expect(m.stats()).toMatchObject({ sessions: 0, portsInUse: 0, socketsOpen: 0 });
    await expect(m.createSession('after')).rejects.toMatchObject({ code: 'MEDIA_MANAGER_CLOSED' });
  });

  it('passes session defaults and its clock to the sessions', async () => {
    const clock = new ManualClock(0);
    const timeouts: string[] = [];
    const m = new MediaManager({
      host: HOST,
      ports: [31600, 31619],
      clock,
      sessionDefaults: { mediaTimeoutMs: 5_000, onTimeout: (e) => timeouts.push(e.id) },
    });
    const s = await m.createSession('dlg-7');
    const a = await TestPhone.open();
    const b = await TestPhone.open();
    s.setRemote('a', { address: HOST, rtpPort: a.port });
    s.setRemote('b', { address: HOST, rtpPort: b.port });
    await a.send(rtpPacket(1, 1), s.local('a').rtpPort);
    await b.waitFor(1);
    s.startMediaTimer();
    clock.advance(5_000);
    expect(timeouts).toEqual(['dlg-7']);
    expect(m.sessionStats()[0]).toMatchObject({ id: 'dlg-7', aToB: { forwarded: 1 } });
    await Promise.all([a.close(), b.close(), m.closeAll()]);
  });
});
