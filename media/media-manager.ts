// The SIP node's media relay: one port pool, one relay session per B2B call, found by dialog id.
// Counts are exposed for leak tests and metrics: after every call has ended, sessions, ports in
// use and open sockets must all be back to zero.
import { systemClock, type Clock } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/log.ts';
import { MediaError } from './media-error.ts';
import { PortPool } from './port-pool.ts';
import { RelaySession, type RelaySessionOptions, type RelaySessionStats } from './relay-session.ts';

export interface MediaManagerOptions {
  /** `sip.media.host`: bound by every media socket and written into SDP. An IP literal. */
  readonly host: string;
  /** `sip.media.ports`. */
  readonly ports: readonly [number, number];
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  /**
   * Released port pairs kept bound for the next calls (port-pool.ts). Default: a quarter of the
   * range's pairs, at most 1,024 (2,048 open files).
   */
  readonly idlePairs?: number;
  /** Defaults for every session; createSession may override them. */
  readonly sessionDefaults?: Omit<RelaySessionOptions, 'id' | 'clock' | 'logger' | 'onClosed'>;
}

export type SessionOverrides = Omit<RelaySessionOptions, 'id' | 'clock' | 'logger' | 'onClosed'>;

export interface MediaManagerStats {
  readonly sessions: number;
  /** Ports not free (two per pair), including pairs being bound or closed. */
  readonly portsInUse: number;
  readonly portsFree: number;
  readonly socketsOpen: number;
  /** Sockets of released pairs kept bound for reuse (not counted in socketsOpen). */
  readonly socketsIdle: number;
  /** Binds skipped because another socket held the port. */
  readonly bindFailures: number;
}

/** RTP/RTCP pairs in a range (as PortPool counts them; 0 for a range it will refuse). */
function pairsIn([lo, hi]: readonly [number, number]): number {
  const first = lo % 2 === 0 ? lo : lo + 1;
  return hi > first ? Math.floor((hi - first + 1) / 2) : 0;
}

export class MediaManager {
  readonly #pool: PortPool;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #defaults: SessionOverrides;
  readonly #sessions = new Map<string, RelaySession>();
  /** Ids whose session is being opened: a second create for them must fail, not race. */
  readonly #opening = new Map<string, Promise<RelaySession>>();
  #closed = false;

  constructor(options: MediaManagerOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child('media');
    this.#defaults = options.sessionDefaults ?? {};
    this.#pool = new PortPool({
      host: options.host,
      ports: options.ports,
      recvBufferSize: options.recvBufferSize,
      sendBufferSize: options.sendBufferSize,
      logger: this.#log,
      clock: this.#clock,
      idlePairs: options.idlePairs ?? Math.min(1024, Math.floor(pairsIn(options.ports) / 4)),
    });
  }

  /** The media address to write into SDP. */
  get address(): string {
    return this.#pool.host;
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  get portsInUse(): number {
    return this.#pool.inUse * 2;
  }

  /** Media sockets of pairs in use; the idle ones kept for reuse are in socketsIdle. */
  get socketsOpen(): number {
    return this.#pool.socketsOpen;
  }

  get socketsIdle(): number {
    return this.#pool.socketsIdle;
  }

  /** Calls the pool can still take (two pairs each). */
  get capacityLeft(): number {
    return Math.floor(this.#pool.free / 2);
  }

  stats(): MediaManagerStats {
    return {
      sessions: this.#sessions.size,
      portsInUse: this.#pool.inUse * 2,
      portsFree: this.#pool.free * 2,
      socketsOpen: this.#pool.socketsOpen,
      socketsIdle: this.#pool.socketsIdle,
      bindFailures: this.#pool.bindFailures,
    };
  }

  /**
   * Opens the relay of a call. Throws MEDIA_SESSION_EXISTS for an id in use, MEDIA_PORTS_EXHAUSTED
   * when the range is full (answer 503), MEDIA_MANAGER_CLOSED after closeAll.
   */
  createSession(id: string, overrides: SessionOverrides = {}): Promise<RelaySession> {
    if (this.#closed) return Promise.reject(new MediaError('MEDIA_MANAGER_CLOSED', 'media manager is closed'));
    if (this.#sessions.has(id) || this.#opening.has(id)) {
      return Promise.reject(new MediaError('MEDIA_SESSION_EXISTS', `media session ${id} exists`));
    }
    const opening = this.#open(id, overrides).finally(() => this.#opening.delete(id));
    this.#opening.set(id, opening);
    return opening;
  }

  async #open(id: string, overrides: SessionOverrides): Promise<RelaySession> {
    const session = await RelaySession.open(this.#pool, {
      ...this.#defaults,
      ...overrides,
      id,
      clock: this.#clock,
      logger: this.#log,
      onClosed: (s) => {
        if (this.#sessions.get(id) === s) this.#sessions.delete(id);
      },
    });
    if (this.#closed) {
      // closeAll ran while the ports were being bound: do not leak this one.
      await session.close();
      throw new MediaError('MEDIA_MANAGER_CLOSED', 'media manager is closed');
    }
    this.#sessions.set(id, session);
    return session;
  }

  get(id: string): RelaySession | undefined {
    return this.#sessions.get(id);
  }

  /** Closes a call's relay, if there is one. */
  async closeSession(id: string): Promise<void> {
    await this.#sessions.get(id)?.close();
  }

  sessionStats(): RelaySessionStats[] {
    return [...this.#sessions.values()].map((s) => s.stats());
  }

  /**
   * Closes every session, waits for those still opening (they close themselves), and refuses new
   * ones from then on: for shutdown, and for leak checks at the end of a test.
   */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const all = [...this.#sessions.values()];
    // The pool first: sessions closing below then close their sockets instead of keeping them.
    const idle = this.#pool.close();
    await Promise.all([idle, ...all.map((s) => s.close()), ...[...this.#opening.values()].map((p) => p.then(() => {}, () => {}))]);
    this.#log.info('media relay closed', { sessions: all.length });
  }
}
