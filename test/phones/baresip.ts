// A headless baresip phone for tests: its own config folder, a WAV file as microphone, call audio
// recorded to WAV (sndfile), driven through baresip's ctrl_tcp module (netstring JSON) and run
// inside a private network namespace (see netns.ts) so all its SIP and RTP stays on loopback.
//
// Written against Debian 12's baresip 1.0.0 (package baresip-core). Port use per phone: the SIP
// port (UDP+TCP), SIP port + 1 (TLS, opened by baresip whether used or not) and the ctrl_tcp port
// (default SIP port + 2): give phones SIP ports at least 3 apart.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminate, waitExit, type Netns, type NetnsTcpConnection } from './netns.ts';
import { makeSilence } from './tone.ts';

export const BARESIP_MODULE_DIR = '/usr/lib/baresip/modules';
const NEEDED_MODULES = ['g711', 'aufile', 'aubridge', 'sndfile', 'account', 'uuid', 'menu', 'ctrl_tcp'];

/** Null when baresip (with the modules used here) and sox are installed, else a reason to skip. */
export function baresipUnavailableReason(): string | null {
  const bin = ['/usr/bin/baresip', '/usr/local/bin/baresip'].find((p) => existsSync(p));
  if (!bin) return 'baresip is not installed (Debian package baresip-core)';
  const missing = NEEDED_MODULES.filter((m) => !existsSync(join(BARESIP_MODULE_DIR, `${m}.so`)));
  if (missing.length > 0) return `baresip modules missing in ${BARESIP_MODULE_DIR}: ${missing.join(', ')}`;
  if (!['/usr/bin/sox', '/usr/local/bin/sox'].some((p) => existsSync(p))) return 'sox is not installed (Debian package sox)';
  return null;
}

export interface BaresipAccount {
  user: string;
  /** Host[:port] of the SIP domain; for a direct call any value (e.g. 127.0.0.1). */
  domain: string;
  password?: string;
  displayName?: string;
  /** REGISTER interval in seconds; 0 (default) = no registration. */
  regint?: number;
  /** auto = answer incoming calls at once. Default manual. */
  answermode?: 'manual' | 'early' | 'auto';
  /** Outbound proxy, e.g. "sip:127.0.0.1:5060". */
  outbound?: string;
  transport?: 'udp' | 'tcp';
  /** G.711 variants to offer, in order; default ['pcmu', 'pcma']. */
  codecs?: string[];
  /** Appended verbatim, e.g. ";ptime=20". */
  extra?: string;
}

export interface BaresipOptions {
  netns: Netns;
  /** Label for logs and the config folder. */
  name: string;
  sipPort: number;
  /** Default sipPort + 2. */
  ctrlPort?: number;
  /** Default 127.0.0.1. */
  listenHost?: string;
  /** Structured, or a raw baresip accounts line. */
  account: BaresipAccount | string;
  /** 8 kHz mono 16-bit WAV used as microphone. Default: 60 s of silence. The call ends when it runs out. */
  audioSource?: string;
  /** Where sndfile writes dump-<time>-enc.wav (sent) / -dec.wav (received). Unset: no recording. */
  recordDir?: string;
  /** Default [30000, 39999] (the demo server uses 20000-29999). */
  rtpPorts?: [number, number];
  /** Config folder; default a new temp folder. */
  dir?: string;
  /** Log SIP messages (baresip -s); default true. Parsed by sipMessages(). */
  sipTrace?: boolean;
  /** Lines appended to the config file. */
  extraConfig?: string[];
  /** Default 10 s. */
  startTimeoutMs?: number;
}

/** A ctrl_tcp event, e.g. {type: 'CALL_ESTABLISHED', class: 'call', peeruri: 'sip:…', id: '…'}. */
export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  param?: string;
  [key: string]: unknown;
}

export interface CommandResponse {
  ok: boolean;
  data: string;
}

/** One SIP message from baresip's -s trace. */
export interface SipTraceEntry {
  transport: string;
  /** "host:port" */
  src: string;
  dst: string;
  /** "INVITE sip:… SIP/2.0" or "SIP/2.0 200 OK" */
  startLine: string;
  headers: string;
  body: string;
}

export interface Recording {
  path: string;
  /** enc = what this phone sent, dec = what it received. */
  direction: 'enc' | 'dec';
}

export interface BaresipPhone {
  readonly name: string;
  readonly dir: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  /** "127.0.0.1:<sipPort>" — src of the SIP messages this phone sends over UDP. */
  readonly sipAddress: string;
  readonly process: ChildProcess;
  /** Any ctrl_tcp command (menu commands: dial, hangup, accept, hold, resume, transfer, …). */
  command(command: string, params?: string, timeoutMs?: number): Promise<CommandResponse>;
  dial(uri: string): Promise<CommandResponse>;
  hangup(): Promise<CommandResponse>;
  accept(): Promise<CommandResponse>;
  /**
   * The first not yet consumed event of that type (or matching the predicate), received before or
   * after this call; consumes it. Rejects after timeoutMs, or when baresip exits, with its log tail.
   */
  waitFor(type: string | ((e: BaresipEvent) => boolean), timeoutMs?: number): Promise<BaresipEvent>;
  /** All events received so far. */
  events(): BaresipEvent[];
  /** WAV files in recordDir (sorted by name: oldest call first). */
  recordings(): Recording[];
  /** stdout+stderr, ANSI colours removed. */
  log(): string;
  /** The last `lines` lines of log(), for failure messages. */
  logTail(lines?: number): string;
  sipMessages(): SipTraceEntry[];
  /** Quits baresip (ctrl "quit", then SIGTERM/SIGKILL); resolves when it has exited. */
  stop(): Promise<void>;
}

/** The accounts-file line for `a`. */
export function accountLine(a: BaresipAccount): string {
  const uri = `sip:${a.user}@${a.domain}${a.transport === 'tcp' ? ';transport=tcp' : ''}`;
  let line = `${a.displayName ? `"${a.displayName}" ` : ''}<${uri}>`;
  if (a.password !== undefined) line += `;auth_pass=${a.password}`;
  line += `;regint=${a.regint ?? 0}`;
  line += `;answermode=${a.answermode ?? 'manual'}`;
  if (a.outbound) line += `;outbound="${a.outbound}"`;
  line += `;audio_codecs=${(a.codecs ?? ['pcmu', 'pcma']).join(',')}`;
  return line + (a.extra ?? '');
}

/** Addresses in an SDP body: from o= and c= lines. */
export function sdpAddresses(sdp: string): string[] {
  const out: string[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^(?:c=IN IP[46] (\S+)|o=\S+ \S+ \S+ IN IP[46] (\S+))/.exec(line);
    const addr = m?.[1] ?? m?.[2];
    if (addr !== undefined) out.push(addr.replace(/\/\d+$/, ''));
  }
  return out;
}

// ANSI colour sequences as baresip prints them (e.g. ESC[36;1m … ESC[;m).
const ANSI = /\x1b\[[0-9;]*m/g;

/** Parses the SIP trace (baresip -s) out of raw baresip output. */
export function parseSipTrace(raw: string): SipTraceEntry[] {
  const out: SipTraceEntry[] = [];
  const re = /\x1b\[36;1m#\r?\n(\S+) (\S+) -> (\S+)\r?\n([\s\S]*?)\x1b\[;m/g;
  for (const m of raw.matchAll(re)) {
    const msg = m[4] ?? '';
    const split = msg.search(/\r?\n\r?\n/);
    const head = split < 0 ? msg : msg.slice(0, split);
    const body = split < 0 ? '' : msg.slice(split).replace(/^\r?\n\r?\n/, '');
    const nl = head.search(/\r?\n/);
    out.push({
      transport: m[1] ?? '',
      src: m[2] ?? '',
      dst: m[3] ?? '',
      startLine: (nl < 0 ? head : head.slice(0, nl)).trim(),
      headers: nl < 0 ? '' : head.slice(nl).trim(),
      body,
    });
  }
  return out;
}

/** Netstring framing: "<len>:<payload>,". */
export class NetstringDecoder {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): string[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) break;
      const lenText = this.buf.toString('ascii', 0, colon);
      if (!/^\d+$/.test(lenText)) throw new Error(`bad netstring length ${JSON.stringify(lenText)}`);
      const len = Number(lenText);
      if (this.buf.length < colon + 1 + len + 1) break;
      out.push(this.buf.toString('utf8', colon + 1, colon + 1 + len));
      if (this.buf[colon + 1 + len] !== 0x2c) throw new Error('netstring not terminated by ","');
      this.buf = this.buf.subarray(colon + 2 + len);
    }
    return out;
  }
}

export function netstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startBaresip(opts: BaresipOptions): Promise<BaresipPhone> {
  const { netns, name, sipPort } = opts;
  const ctrlPort = opts.ctrlPort ?? sipPort + 2;
  const host = opts.listenHost ?? '127.0.0.1';
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `baresip-${name}-`));
  mkdirSync(dir, { recursive: true });
  const audioSource = opts.audioSource ?? (await makeSilence(join(dir, 'silence.wav'), 60));
  const [rtpMin, rtpMax] = opts.rtpPorts ?? [30000, 39999];
  if (opts.recordDir) mkdirSync(opts.recordDir, { recursive: true });

  const config = [
    'poll_method\t\tepoll',
    `sip_listen\t\t${host}:${sipPort}`,
    'call_local_timeout\t120',
    'call_max_calls\t\t4',
    // No sound card: WAV file in, aubridge (a sink that nothing reads) out.
    `audio_source\t\taufile,${audioSource}`,
    'audio_player\t\taubridge,play',
    'audio_alert\t\taubridge,alert',
    'ausrc_srate\t\t8000',
    'auplay_srate\t\t8000',
    'ausrc_channels\t\t1',
    'auplay_channels\t\t1',
    `rtp_ports\t\t${rtpMin}-${rtpMax}`,
    'rtcp_mux\t\tno',
    'jitter_buffer_delay\t1-10',
    // Any DNS lookup stays on loopback.
    'dns_server\t\t127.0.0.1:53',
    `module_path\t\t${BARESIP_MODULE_DIR}`,
    'module\t\t\tg711.so',
    'module\t\t\taufile.so',
    'module\t\t\taubridge.so',
    ...(opts.recordDir ? ['module\t\t\tsndfile.so', `snd_path\t\t${opts.recordDir}`] : []),
    'module_tmp\t\tuuid.so',
    'module_tmp\t\taccount.so',
    'module_app\t\tmenu.so',
    'module_app\t\tctrl_tcp.so',
    `ctrl_tcp_listen\t\t127.0.0.1:${ctrlPort}`,
    ...(opts.extraConfig ?? []),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'config'), config);
  const account = typeof opts.account === 'string' ? opts.account : accountLine(opts.account);
  writeFileSync(join(dir, 'accounts'), `${account}\n`);
  writeFileSync(join(dir, 'contacts'), '');

  const args = ['-f', dir, ...(opts.sipTrace === false ? [] : ['-s'])];
  const child = netns.spawnInNetns('baresip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (raw += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (raw += d));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const log = (): string => raw.replace(ANSI, '').replace(/\r/g, '');
  const logTail = (lines = 60): string => log().split('\n').slice(-lines).join('\n');
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const describeExit = (): string =>
    `baresip ${name} exited (${child.exitCode ?? child.signalCode ?? spawnError?.message}); log:\n${logTail()}`;

  // Ready, then the control connection.
  const startBy = Date.now() + (opts.startTimeoutMs ?? 10_000);
  while (!log().includes('baresip is ready.')) {
    if (exited() || spawnError) throw new Error(describeExit());
    if (Date.now() > startBy) {
      await terminate(child);
      throw new Error(`baresip ${name} not ready in time; log:\n${logTail()}`);
    }
    await sleep(20);
  }
  let ctrl: NetnsTcpConnection;
  try {
    ctrl = await netns.connectTcp(ctrlPort, '127.0.0.1', Math.max(1_000, startBy - Date.now()));
  } catch (err) {
    await terminate(child);
    throw new Error(`baresip ${name}: ctrl_tcp connection failed: ${(err as Error).message}; log:\n${logTail()}`);
  }

  const events: BaresipEvent[] = [];
  const pending: BaresipEvent[] = [];
  const waiters = new Set<() => void>();
  const responses = new Map<string, (r: CommandResponse) => void>();
  const decoder = new NetstringDecoder();
  let protocolError = '';
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  ctrl.output.on('data', (chunk: Buffer) => {
    let messages: string[];
    try {
      messages = decoder.push(chunk);
    } catch (err) {
      protocolError = (err as Error).message;
      wake();
      return;
    }
    for (const text of messages) {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        protocolError = `not JSON from ctrl_tcp: ${text}`;
        continue;
      }
      if (msg.event === true) {
        const ev = msg as BaresipEvent;
        events.push(ev);
        pending.push(ev);
      } else if (msg.response === true) {
        const token = String(msg.token ?? '');
        responses.get(token)?.({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data : '' });
        responses.delete(token);
      }
    }
    wake();
  });
  child.once('exit', wake);
  ctrl.process.once('exit', wake);

  /** Resolves with check()'s value once it is defined; rejects on timeout or exit. */
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`baresip ${name}: timed out after ${timeoutMs} ms waiting for ${what}; log:\n${logTail()}`)), timeoutMs);
      const finish = (err?: Error, value?: T): void => {
        clearTimeout(timer);
        waiters.delete(poll);
        if (err) reject(err);
        else resolve(value as T);
      };
      const poll = (): void => {
        const v = check();
        if (v !== undefined) return finish(undefined, v);
        if (protocolError) return finish(new Error(`baresip ${name}: ${protocolError}`));
        if (exited()) return finish(new Error(`while waiting for ${what}: ${describeExit()}`));
        if (ctrl.process.exitCode !== null) return finish(new Error(`baresip ${name}: ctrl_tcp connection closed while waiting for ${what}; log:\n${logTail()}`));
      };
      waiters.add(poll);
      poll();
    });

  let tokenSeq = 0;
  const command = (cmd: string, params?: string, timeoutMs = 5_000): Promise<CommandResponse> => {
    const token = String(++tokenSeq);
    let response: CommandResponse | undefined;
    responses.set(token, (r) => (response = r));
    const msg: Record<string, string> = { command: cmd, token };
    if (params !== undefined) msg.params = params;
    ctrl.input.write(netstring(JSON.stringify(msg)));
    return until(() => response, timeoutMs, `the response to ${cmd}`);
  };

  const waitFor = (type: string | ((e: BaresipEvent) => boolean), timeoutMs = 10_000): Promise<BaresipEvent> => {
    const match = typeof type === 'string' ? (e: BaresipEvent) => e.type === type : type;
    const what = typeof type === 'string' ? `event ${type}` : 'a matching event';
    return until(
      () => {
        const i = pending.findIndex(match);
        if (i < 0) return undefined;
        const [ev] = pending.splice(i, 1);
        return ev;
      },
      timeoutMs,
      `${what} (events so far: ${events.map((e) => e.type).join(', ') || 'none'})`,
    );
  };

  const recordings = (): Recording[] => {
    const d = opts.recordDir;
    if (!d || !existsSync(d)) return [];
    return readdirSync(d)
      .map((f) => ({ f, m: /^dump-.*-(enc|dec)\.wav$/.exec(f) }))
      .filter((x) => x.m !== null && statSync(join(d, x.f)).isFile())
      .sort((x, y) => x.f.localeCompare(y.f))
      .map((x) => ({ path: join(d, x.f), direction: x.m?.[1] === 'enc' ? 'enc' : 'dec' }));
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited() && ctrl.process.exitCode === null) {
        try {
          ctrl.input.write(netstring(JSON.stringify({ command: 'quit', token: 'quit' })));
        } catch {
          /* connection gone */
        }
        await waitExit(child, 3_000);
      }
      await terminate(child);
      ctrl.close();
      await terminate(ctrl.process, 1_000);
    })();
    return stopping;
  };

  return {
    name,
    dir,
    sipPort,
    ctrlPort,
    sipAddress: `${host}:${sipPort}`,
    process: child,
    command,
    dial: (uri) => command('dial', uri),
    hangup: () => command('hangup'),
    accept: () => command('accept'),
    waitFor,
    events: () => [...events],
    recordings,
    log,
    logTail,
    sipMessages: () => parseSipTrace(raw),
    stop,
  };
}
