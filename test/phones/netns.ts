// A private network namespace for tests that run real SIP phones (and the server they talk to).
//
// Why: SIP phones such as baresip write the host's "main" address — the address of the interface
// holding the default route — into their SDP, so on a plain machine their media would be aimed at
// a non-loopback address. Inside a namespace made here the only interfaces are `lo` and a veth pair
// whose both ends stay inside the namespace; the veth end carries a 127.0.0.0/8 address and the
// default route, so every address a program can discover is a loopback one and nothing ever leaves
// the namespace (there is no link to the host's network at all).
//
// The namespace is never named globally (no `ip netns add`): a holder process `unshare -n sleep
// infinity` keeps it alive, programs join it with `nsenter --net=/proc/self/fd/N` (N: a file we hold
// open on the holder's /proc/<pid>/ns/net), and it disappears when the holder and everything spawned
// into it have exited and the file is closed (`close()`).
import { spawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export interface NetnsOptions {
  /**
   * The address given to the veth end `cv0` (with the default route); programs see it as the
   * machine's main address. Must be in 127.0.0.0/8. Default 127.0.0.2.
   */
  address?: string;
  /** Keep IPv6 enabled inside the namespace (default: disabled, so no link-local v6 is picked). */
  ipv6?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface NetnsTcpConnection {
  /** Bytes to the peer. */
  readonly input: Writable;
  /** Bytes from the peer. */
  readonly output: Readable;
  /** The bridge process (inside the namespace). */
  readonly process: ChildProcess;
  close(): void;
}

export interface Netns {
  /** pid of the holder process (`nsenter -t <pid> -n` joins the namespace from a shell). */
  readonly pid: number;
  /** The main address programs in the namespace discover (the veth address). */
  readonly address: string;
  /** The namespace's identity, as in /proc/<pid>/ns/net (e.g. "net:[4026532…]"). */
  readonly id: string;
  /** Runs a command to completion inside the namespace; rejects on a non-zero exit. */
  run(cmd: string, args: string[], timeoutMs?: number): Promise<RunResult>;
  /**
   * Spawns a program inside the namespace (`nsenter --net=<pinned ns fd> -- setpriv --pdeathsig KILL
   * cmd …`; both exec, so the returned child's pid is the program's own; it also inherits the ns fd). The program is killed when this
   * Node process dies, and by `close()`.
   */
  spawnInNetns(cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /**
   * A TCP connection from this (host-namespace) process to `host:port` inside the namespace,
   * through a small Node bridge spawned in it. Retries until `timeoutMs` while the port refuses.
   */
  connectTcp(port: number, host?: string, timeoutMs?: number): Promise<NetnsTcpConnection>;
  /** Packet counters of an interface in the namespace (e.g. cv0: 0 tx = nothing used the default route). */
  linkStats(ifname: string): Promise<LinkStats>;
  /** Kills every process spawned into the namespace and the holder; the namespace disappears. */
  close(): Promise<void>;
}

export interface LinkStats {
  rxPackets: number;
  txPackets: number;
}

type StdioEntry = Exclude<StdioOptions, string>[number];

const TOOLS = ['unshare', 'nsenter', 'ip', 'setpriv'] as const;

function which(tool: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir && existsSync(`${dir}/${tool}`)) return `${dir}/${tool}`;
  }
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (existsSync(`${dir}/${tool}`)) return `${dir}/${tool}`;
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function netnsLink(pid: number | 'self'): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

/** Whether `ip` is in 127.0.0.0/8. */
export function isLoopbackV4(ip: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** Waits for a child to exit (resolves at once if it already has). */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(t);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function terminate(child: ChildProcess, graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitExit(child, 2_000);
}

let supportCache: Promise<string | null> | undefined;

/**
 * Null when private network namespaces can be made here, otherwise a reason to skip with
 * (missing tool, or unshare/nsenter not permitted). Tries a real namespace once and caches.
 */
export function netnsUnavailableReason(): Promise<string | null> {
  supportCache ??= (async () => {
    if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
    const missing = TOOLS.filter((t) => which(t) === null);
    if (missing.length > 0) {
      return `missing ${missing.join(', ')} (Debian packages util-linux and iproute2)`;
    }
    try {
      const ns = await createNetns();
      await ns.close();
      return null;
    } catch (err) {
      return `cannot create a private network namespace (unshare -n / nsenter not permitted?): ${(err as Error).message}`;
    }
  })();
  return supportCache;
}

// The bridge behind connectTcp: stdin -> socket -> stdout; "connected" / errors on stderr.
const BRIDGE = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect(Number(port), host);
s.on('connect', () => { process.stderr.write('connected\\n'); process.stdin.pipe(s); s.pipe(process.stdout); });
s.on('error', (e) => { process.stderr.write('error ' + e.code + '\\n'); process.exit(3); });
s.on('close', () => process.exit(0));
process.stdin.on('end', () => s.end());
`;

export async function createNetns(opts: NetnsOptions = {}): Promise<Netns> {
  const address = opts.address ?? '127.0.0.2';
  if (!isLoopbackV4(address)) throw new Error(`netns address must be in 127.0.0.0/8, got ${address}`);
  const hostNs = netnsLink('self');
  if (hostNs === null) throw new Error('cannot read /proc/self/ns/net');

  // The holder: unshare(CLONE_NEWNET) then exec setpriv then exec sleep (same pid throughout).
  const holder = spawn('unshare', ['-n', '--', 'setpriv', '--pdeathsig', 'KILL', 'sleep', 'infinity'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let holderErr = '';
  holder.stderr?.setEncoding('utf8').on('data', (d: string) => (holderErr += d));
  let spawnFailed: Error | undefined;
  holder.once('error', (e) => (spawnFailed = e));

  // Safety: never configure anything before the holder is really in a namespace of its own,
  // or nsenter would change the host's network.
  const pid = holder.pid;
  const deadline = Date.now() + 5_000;
  let nsLink = '';
  for (;;) {
    if (spawnFailed) throw new Error(`cannot start unshare: ${spawnFailed.message}`);
    if (holder.exitCode !== null || holder.signalCode !== null) {
      throw new Error(`unshare -n exited (${holder.exitCode ?? holder.signalCode}): ${holderErr.trim() || 'no output'}`);
    }
    if (pid !== undefined) {
      const link = netnsLink(pid);
      if (link !== null && link !== hostNs) {
        nsLink = link;
        break;
      }
    }
    if (Date.now() > deadline) {
      holder.kill('SIGKILL');
      throw new Error(`unshare -n did not enter a new network namespace within 5 s: ${holderErr.trim()}`);
    }
    await sleep(5);
  }
  if (pid === undefined) throw new Error('unshare has no pid');
  const holderPid = pid;
  // Pin the namespace by an open file: every nsenter below enters it through this fd (passed as
  // its fd N), never through the pid, so a dead holder's reused pid can never lead to the host's.
  const nsFd = openSync(`/proc/${holderPid}/ns/net`, 'r');
  if (readlinkSync(`/proc/self/fd/${nsFd}`) !== nsLink) {
    closeSync(nsFd);
    holder.kill('SIGKILL');
    throw new Error('the holder changed namespace while being opened');
  }
  const children = new Set<ChildProcess>();
  let closed = false;

  /** stdio with the namespace fd appended, and the fd number it gets in the child. */
  const withNsFd = (stdio: StdioOptions | undefined): [StdioEntry[], number] => {
    const base: StdioEntry[] = stdio === undefined ? ['pipe', 'pipe', 'pipe'] : typeof stdio === 'string' ? [stdio, stdio, stdio] : [...stdio];
    while (base.length < 3) base.push('pipe');
    return [[...base, nsFd], base.length];
  };
  const nsenter = (cmd: string, args: string[], spawnOpts: SpawnOptions = {}): ChildProcess => {
    const [stdio, fdNum] = withNsFd(spawnOpts.stdio);
    return spawn('nsenter', [`--net=/proc/self/fd/${fdNum}`, '--', cmd, ...args], { ...spawnOpts, stdio });
  };

  const run = (cmd: string, args: string[], timeoutMs = 10_000): Promise<RunResult> => {
    if (closed) return Promise.reject(new Error('netns is closed'));
    return new Promise((resolve, reject) => {
      const child = nsenter(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`nsenter ${cmd}: ${e.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve({ stdout, stderr });
        else reject(new Error(`${cmd} ${args.join(' ')} in netns failed (${code ?? signal}): ${stderr.trim()}`));
      });
    });
  };

  const spawnInNetns = (cmd: string, args: string[], spawnOpts: SpawnOptions = {}): ChildProcess => {
    if (closed) throw new Error('netns is closed');
    const child = nsenter('setpriv', ['--pdeathsig', 'KILL', cmd, ...args], spawnOpts);
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.once('error', () => children.delete(child));
    return child;
  };

  const connectTcp = async (port: number, host = '127.0.0.1', timeoutMs = 5_000): Promise<NetnsTcpConnection> => {
    const until = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const bridge = spawnInNetns(process.execPath, ['-e', BRIDGE, host, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
      const outcome = await new Promise<string>((resolve) => {
        let err = '';
        bridge.stderr?.setEncoding('utf8').on('data', (d: string) => {
          err += d;
          if (err.includes('connected\n')) resolve('connected');
        });
        bridge.once('exit', (code) => resolve(`exit ${code}: ${err.trim()}`));
        bridge.once('error', (e) => resolve(`spawn error: ${e.message}`));
      });
      if (outcome === 'connected' && bridge.stdin && bridge.stdout) {
        return {
          input: bridge.stdin,
          output: bridge.stdout,
          process: bridge,
          close: () => {
            bridge.stdin?.end();
            bridge.kill('SIGTERM');
          },
        };
      }
      last = outcome;
      bridge.kill('SIGKILL');
      if (Date.now() > until) throw new Error(`connectTcp ${host}:${port} in netns: ${last}`);
      await sleep(100);
    }
  };

  const linkStats = async (ifname: string): Promise<LinkStats> => {
    const { stdout } = await run('ip', ['-s', '-j', 'link', 'show', 'dev', ifname]);
    const [info] = JSON.parse(stdout) as Array<{ stats64?: { rx?: { packets?: number }; tx?: { packets?: number } } }>;
    return { rxPackets: info?.stats64?.rx?.packets ?? NaN, txPackets: info?.stats64?.tx?.packets ?? NaN };
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all([...children].map((c) => terminate(c, 1_500)));
    holder.kill('SIGKILL');
    await waitExit(holder, 2_000);
    closeSync(nsFd);
    // Anything still in the namespace (e.g. a grandchild) was started by us: it holds our private
    // namespace alive, so end it by that identity.
    for (const p of pidsInNamespace(nsLink)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };

  try {
    await run('ip', ['link', 'set', 'lo', 'up']);
    // IPv6 off before the veth exists and comes up: otherwise the kernel may already have sent an
    // IPv6 packet (DAD, MLD report) on it, and the "cv0 counted 0 packets" checks fail now and then.
    if (!opts.ipv6) {
      await run('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    await run('ip', ['link', 'add', 'cv0', 'type', 'veth', 'peer', 'name', 'cv1']);
    await run('ip', ['link', 'set', 'cv0', 'up']);
    await run('ip', ['link', 'set', 'cv1', 'up']);
    // Lets the kernel pick a 127/8 source for non-loopback destinations (as `ip route get` and
    // programs using the connect()-and-getsockname() trick do). Packets could only reach cv1,
    // which is inside this namespace too.
    await run('sysctl', ['-qw', 'net.ipv4.conf.all.route_localnet=1', 'net.ipv4.conf.cv0.route_localnet=1']);
    await run('ip', ['addr', 'add', `${address}/8`, 'dev', 'cv0', 'scope', 'global']);
    await run('ip', ['route', 'add', 'default', 'dev', 'cv0']);
    // Verify (sends nothing): the source for an outside destination is our loopback address.
    const { stdout } = await run('ip', ['-4', 'route', 'get', '1.1.1.1']);
    const src = /\bsrc (\S+)/.exec(stdout)?.[1];
    if (src === undefined || !isLoopbackV4(src)) {
      throw new Error(`default-route source address is not loopback: ${stdout.trim()}`);
    }
    const { stdout: links } = await run('ip', ['-o', 'link']);
    const names = links.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]).filter((n) => n !== undefined);
    const unexpected = names.filter((n) => !['lo', 'cv0', 'cv1'].includes(n));
    if (unexpected.length > 0) throw new Error(`unexpected interfaces in netns: ${unexpected.join(', ')}`);
  } catch (err) {
    await close();
    throw err;
  }

  return { pid: holderPid, address, id: nsLink, run, spawnInNetns, connectTcp, linkStats, close };
}

/** pids of processes whose network namespace is `nsLink` (e.g. "net:[4026532…]"). */
export function pidsInNamespace(nsLink: string): number[] {
  const pids: number[] = [];
  if (!nsLink) return pids;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (netnsLink(Number(entry)) === nsLink) pids.push(Number(entry));
  }
  return pids;
}
