// A headless linphone phone for tests (linphonec from Debian's linphone-cli 5.1), for what baresip
// does not do — notably accepting an INVITE with Replaces (linphone sends `Supported: replaces`).
// linphonec is driven by typing commands on its stdin; call progress is read from its stdout lines
// ("Call 1 with sip:… connected."). No sound card: `soundcard use files` makes it send a WAV file
// (`play`) and record what it receives to a WAV file (`record`).
//
// It binds SIP on all addresses ([::]:sipPort) — harmless in a private netns, where all addresses
// are loopback — and advertises the namespace's main address (127.0.0.2) or 127.0.0.1 in SDP.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminate, waitExit, type Netns } from './netns.ts';
import { makeSilence } from './tone.ts';

/** Null when linphonec is installed, else a reason to skip. */
export function linphoneUnavailableReason(): string | null {
  if (!existsSync('/usr/bin/linphonec')) return 'linphonec is not installed (Debian package linphone-cli)';
  if (!existsSync('/usr/bin/sox')) return 'sox is not installed (Debian package sox)';
  return null;
}

export interface LinphoneRegistration {
  /** e.g. "sip:127.0.0.1:5060" */
  proxy: string;
  /** e.g. "sip:1001@127.0.0.1" */
  identity: string;
  username?: string;
  password?: string;
  realm?: string;
  /** Seconds; default 300. */
  expires?: number;
  /** Outbound proxy for every request of this account (`reg_route`), e.g. "sip:127.0.0.1:5060;lr".
   * Without it linphone sends calls to the Request-URI's host (a DNS lookup, which fails in the
   * namespace), including the call a REFER asks for. */
  route?: string;
}

export interface LinphoneOptions {
  netns: Netns;
  name: string;
  sipPort: number;
  /** From/Contact identity, e.g. {user: 'c', domain: '127.0.0.1'}; default linphone's own. */
  identity?: { user: string; domain: string; displayName?: string };
  /** Register to a server through [proxy_0]/[auth_info_0]. */
  register?: LinphoneRegistration;
  /** Answer incoming calls at once (linphonec -a). */
  autoAnswer?: boolean;
  /** 8 kHz mono 16-bit WAV sent as microphone; default 60 s of silence. */
  audioSource?: string;
  /** WAV that receives the call audio (8 kHz mono 16-bit). linphonec appends each call to it: call record() between calls. */
  recordFile?: string;
  /** Default [40000, 49999]. */
  rtpPorts?: [number, number];
  /** G.711 only by default; other codecs are disabled. */
  codecs?: Array<'PCMU' | 'PCMA'>;
  /** Config folder (and HOME); default a new temp folder. */
  dir?: string;
  /** Raw linphonerc text appended. */
  extraConfig?: string;
  /** Default 10 s. */
  startTimeoutMs?: number;
}

export interface LinphoneEvent {
  type: 'CALL_INCOMING' | 'CALL_PROGRESS' | 'CALL_RINGING' | 'CALL_ESTABLISHED' | 'CALL_MEDIA' | 'CALL_CLOSED' | 'CALL_ERROR';
  /** linphonec's call id (1, 2, …). */
  callId: number;
  peer: string;
  /** The stdout line. */
  line: string;
}

export interface LinphonePhone {
  readonly name: string;
  readonly dir: string;
  readonly sipPort: number;
  readonly process: ChildProcess;
  /** Types one linphonec command (see `help`). */
  send(line: string): void;
  dial(uri: string): void;
  /** WAV that receives the audio of the next calls (linphonec appends to an existing file: use a new one per call). */
  record(path: string): void;
  /** WAV sent as microphone in the next calls. */
  play(path: string): void;
  /** Answers call `callId`, or the only incoming one. */
  answer(callId?: number): void;
  /** Terminates call `callId`, or the current one. */
  hangup(callId?: number): void;
  /** First unconsumed event of that type (or matching); consumes it. Rejects on timeout or exit. */
  waitFor(type: LinphoneEvent['type'] | ((e: LinphoneEvent) => boolean), timeoutMs?: number): Promise<LinphoneEvent>;
  /** First unconsumed stdout line matching `re`; consumes it. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  events(): LinphoneEvent[];
  /** linphonec's stdout+stderr. */
  output(): string;
  /** The debug log (-d 6: includes every SIP message belle-sip sends or receives). */
  log(): string;
  /** Last lines of output and debug log, for failure messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const EVENT_LINES: Array<[RegExp, LinphoneEvent['type'], number, number]> = [
  // [pattern, type, index of callId group, index of peer group]
  [/Receiving new incoming call from (\S+), assigned id (\d+)/, 'CALL_INCOMING', 2, 1],
  [/Call (\d+) to (\S+) in progress\./, 'CALL_PROGRESS', 1, 2],
  [/Call (\d+) to (\S+) ringing\./, 'CALL_RINGING', 1, 2],
  [/Call (\d+) (?:with|to) (\S+) connected\./, 'CALL_ESTABLISHED', 1, 2],
  [/Media streams established with (\S+) for call (\d+)/, 'CALL_MEDIA', 2, 1],
  [/Call (\d+) with (\S+) ended/, 'CALL_CLOSED', 1, 2],
  [/Call (\d+) (?:with|to) (\S+) error\./, 'CALL_ERROR', 1, 2],
];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function linphonerc(opts: LinphoneOptions): string {
  const [rtpMin, rtpMax] = opts.rtpPorts ?? [40000, 49999];
  const enabled = opts.codecs ?? ['PCMU', 'PCMA'];
  // Every codec this build knows, so none is added back enabled.
  const known: Array<[string, number, number]> = [
    ['PCMU', 8000, 1],
    ['PCMA', 8000, 1],
    ['opus', 48000, 2],
    ['speex', 16000, 1],
    ['speex', 8000, 1],
    ['speex', 32000, 1],
    ['GSM', 8000, 1],
    ['G722', 8000, 1],
    ['G729', 8000, 1],
    ['G726-16', 8000, 1],
    ['G726-24', 8000, 1],
    ['G726-32', 8000, 1],
    ['G726-40', 8000, 1],
    ['AAL2-G726-16', 8000, 1],
    ['AAL2-G726-24', 8000, 1],
    ['AAL2-G726-32', 8000, 1],
    ['AAL2-G726-40', 8000, 1],
    ['L16', 44100, 2],
    ['L16', 44100, 1],
  ];
  const ordered = [...enabled.map((m) => known.find((k) => k[0] === m)), ...known.filter((k) => !enabled.includes(k[0] as 'PCMU'))];
  const codecs = ordered
    .filter((k) => k !== undefined)
    .map(([mime, rate, ch], i) => `[audio_codec_${i}]\nmime=${mime}\nrate=${rate}\nchannels=${ch}\nenabled=${enabled.includes(mime as 'PCMU') ? 1 : 0}\n`)
    .join('\n');
  const id = opts.identity;
  const lines = [
    '[sip]',
    `sip_port=${opts.sipPort}`,
    'sip_tcp_port=0',
    'sip_tls_port=0',
    'use_ipv6=0',
    'media_encryption=none',
    'inc_timeout=60',
    ...(id ? [`contact=${id.displayName ? `"${id.displayName}" ` : ''}<sip:${id.user}@${id.domain}>`] : []),
    ...(opts.register ? ['default_proxy=0'] : ['default_proxy=-1']),
    '',
    '[rtp]',
    `audio_rtp_port=${rtpMin}-${rtpMax}`,
    'nortp_timeout=30',
    '',
    '[sound]',
    'echocancellation=0',
    '',
    '[video]',
    'capture=0',
    'display=0',
    '',
    '[net]',
    'mtu=1300',
    '',
  ];
  const r = opts.register;
  if (r) {
    lines.push(
      '[proxy_0]',
      `reg_proxy=${r.proxy}`,
      `reg_identity=${r.identity}`,
      `reg_expires=${r.expires ?? 300}`,
      ...(r.route ? [`reg_route=${r.route}`] : []),
      'reg_sendregister=1',
      'publish=0',
      '',
    );
    if (r.password !== undefined) {
      const user = r.username ?? /^sips?:([^@;]+)@/.exec(r.identity)?.[1] ?? '';
      lines.push('[auth_info_0]', `username=${user}`, `passwd=${r.password}`, ...(r.realm ? [`realm=${r.realm}`] : []), '');
    }
  }
  return `${lines.join('\n')}\n${codecs}\n${opts.extraConfig ?? ''}\n`;
}

export async function startLinphone(opts: LinphoneOptions): Promise<LinphonePhone> {
  const { netns, name, sipPort } = opts;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `linphone-${name}-`));
  for (const sub of ['.local/share/linphone', '.config']) mkdirSync(join(dir, sub), { recursive: true });
  const audioSource = opts.audioSource ?? (await makeSilence(join(dir, 'silence.wav'), 60));
  const rc = join(dir, 'linphonerc');
  writeFileSync(rc, linphonerc(opts));
  const logFile = join(dir, 'linphone.log');
  writeFileSync(logFile, '');

  const args = ['-c', rc, '-d', '6', '-l', logFile, ...(opts.autoAnswer ? ['-a'] : [])];
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), XDG_DATA_HOME: join(dir, '.local/share') };
  const child = netns.spawnInNetns('linphonec', args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  let out = '';
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const events: LinphoneEvent[] = [];
  const pending: LinphoneEvent[] = [];
  const pendingLines: string[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  let partial = '';
  const onData = (d: string): void => {
    out += d;
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.replace(/^(?:linphonec> )+/, '').trim();
      if (!line) continue;
      pendingLines.push(line);
      for (const [re, type, idIdx, peerIdx] of EVENT_LINES) {
        const m = re.exec(line);
        if (m) {
          const ev: LinphoneEvent = { type, callId: Number(m[idIdx]), peer: m[peerIdx] ?? '', line };
          events.push(ev);
          pending.push(ev);
        }
      }
    }
    wake();
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.once('exit', wake);

  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const logTail = (lines = 40): string =>
    `--- linphonec ${name} output ---\n${out.split('\n').slice(-lines).join('\n')}\n--- debug log (warnings, errors) ---\n${log()
      .split('\n')
      .filter((l) => /-(?:warning|error)-/.test(l) && !/alsa|soundcard|Could not find encoder/i.test(l))
      .slice(-lines)
      .join('\n')}`;

  const until = <T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`linphonec ${name}: timed out after ${timeoutMs} ms waiting for ${what()}\n${logTail()}`)), timeoutMs);
      const finish = (err?: Error, value?: T): void => {
        clearTimeout(timer);
        waiters.delete(poll);
        if (err) reject(err);
        else resolve(value as T);
      };
      const poll = (): void => {
        const v = check();
        if (v !== undefined) return finish(undefined, v);
        if (exited() || spawnError) {
          return finish(new Error(`linphonec ${name} exited (${child.exitCode ?? child.signalCode ?? spawnError?.message}) while waiting for ${what()}\n${logTail()}`));
        }
      };
      waiters.add(poll);
      poll();
    });

  const send = (line: string): void => {
    if (exited()) throw new Error(`linphonec ${name} has exited\n${logTail()}`);
    child.stdin?.write(`${line}\n`);
  };

  const waitForLine = (re: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> =>
    until(
      () => {
        for (let i = 0; i < pendingLines.length; i++) {
          const m = re.exec(pendingLines[i] ?? '');
          if (m) {
            pendingLines.splice(0, i + 1);
            return m;
          }
        }
        return undefined;
      },
      timeoutMs,
      () => `a line matching ${re}`,
    );

  const waitFor = (type: LinphoneEvent['type'] | ((e: LinphoneEvent) => boolean), timeoutMs = 10_000): Promise<LinphoneEvent> => {
    const match = typeof type === 'string' ? (e: LinphoneEvent) => e.type === type : type;
    return until(
      () => {
        const i = pending.findIndex(match);
        if (i < 0) return undefined;
        const [ev] = pending.splice(i, 1);
        return ev;
      },
      timeoutMs,
      () => `${typeof type === 'string' ? type : 'a matching event'} (events so far: ${events.map((e) => e.type).join(', ') || 'none'})`,
    );
  };

  const stop = async (): Promise<void> => {
    if (!exited()) {
      try {
        child.stdin?.write('quit\n');
        child.stdin?.end();
      } catch {
        /* stdin gone */
      }
      await waitExit(child, 3_000);
    }
    await terminate(child);
  };

  // Set up file audio, then wait until the core answers (`ports` prints the SIP port).
  try {
    const startBy = opts.startTimeoutMs ?? 10_000;
    send('soundcard use files');
    await waitForLine(/Using wav files instead of soundcard/, startBy);
    send(`play ${audioSource}`);
    if (opts.recordFile) send(`record ${opts.recordFile}`);
    send('ports');
    await waitForLine(/^sip port = (\d+)/, startBy);
    // The SIP listening point is created during start-up; make sure it is there.
    const deadline = Date.now() + startBy;
    while (!new RegExp(`Creating listening point .*:${sipPort};transport=UDP`).test(log())) {
      if (Date.now() > deadline) throw new Error(`linphonec ${name}: no SIP listening point on port ${sipPort}\n${logTail()}`);
      await sleep(20);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    name,
    dir,
    sipPort,
    process: child,
    send,
    dial: (uri) => send(`call ${uri}`),
    record: (path) => send(`record ${path}`),
    play: (path) => send(`play ${path}`),
    answer: (callId) => send(callId === undefined ? 'answer' : `answer ${callId}`),
    hangup: (callId) => send(callId === undefined ? 'terminate' : `terminate ${callId}`),
    waitFor,
    waitForLine,
    events: () => [...events],
    output: () => out,
    log,
    logTail,
    stop,
  };
}
