// The location service (RFC 3261 §10.1): contacts per address-of-record, registered by REGISTER
// or fixed by configuration. It applies one REGISTER's changes as a whole (§10.3 step 7), forgets
// bindings whose time ran out (on read, and by a periodic sweep), tells subscribers about every
// change, and keeps the registered bindings in a file across restarts.
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { formatUri, parseUri, type Uri } from '../message/index.ts';
import { normalizeAor } from './address-of-record.ts';
import { flowOf, type Binding, type FlowAddress, type LocationEvent, type LocationListener, type RegisteredBinding, type StaticBinding } from './binding.ts';
import { BindingFile } from './binding-file.ts';
import { RegistrarError } from './registrar-error.ts';
import { resolveRegistrationLimits, type RegistrationLimits } from './registration-limits.ts';
import { urisEquivalent } from './uri-equivalence.ts';

export interface StaticContact {
  readonly aor: string;
  /** A SIP or SIPS URI. */
  readonly contact: string;
}

/** One Contact of a REGISTER, once the registrar has settled its interval. */
export interface ContactUpdate {
  readonly uri: Uri;
  /** Seconds granted; 0 removes the binding. */
  readonly expires: number;
  readonly q: number | undefined;
  readonly instanceId: string | undefined;
  readonly regId: number | undefined;
}

/** What one REGISTER asks of the bindings of its address-of-record. */
export type BindingChange =
  | { readonly kind: 'remove-all'; readonly callId: string; readonly cseq: number }
  | {
      readonly kind: 'set';
      readonly callId: string;
      readonly cseq: number;
      readonly flow: FlowAddress;
      readonly userAgent: string | undefined;
      readonly contacts: readonly ContactUpdate[];
    };

export type UpdateRefusal =
  /** §10.3 step 7: same Call-ID as a stored binding, CSeq not higher: a late or replayed REGISTER. */
  | 'OUT_OF_ORDER'
  /** More registered contacts than `maxContactsPerAor` would result. */
  | 'TOO_MANY_CONTACTS'
  /** The service is closed (server shutting down). */
  | 'CLOSED';

export type UpdateResult =
  | { readonly ok: true; readonly bindings: readonly RegisteredBinding[] }
  | { readonly ok: false; readonly reason: UpdateRefusal; readonly contact?: string };

export interface LocationServiceOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly limits?: Partial<RegistrationLimits>;
  /** Contacts from configuration: always there, never expiring, not removable by REGISTER. */
  readonly statics?: Iterable<StaticContact>;
  /** How often expired bindings are swept away. Default 30 s. */
  readonly sweepIntervalMs?: number;
  /** Where registered bindings are kept across restarts; without one they live in memory only. */
  readonly file?: BindingFile;
  /** Changes are gathered this long before a write. Default 1 s. */
  readonly saveDelayMs?: number;
  /** Bindings to start with, as the file loaded them. */
  readonly initial?: readonly RegisteredBinding[];
}

interface Entry<B extends Binding> {
  readonly binding: B;
  readonly uri: Uri;
}

const rank = (q: number | undefined): number => q ?? 1;

export class LocationService {
  readonly limits: RegistrationLimits;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #statics = new Map<string, Entry<StaticBinding>[]>();
  readonly #registered = new Map<string, Entry<RegisteredBinding>[]>();
  readonly #listeners = new Set<LocationListener>();
  readonly #sweepIntervalMs: number;
  readonly #saveDelayMs: number;
  readonly #file: BindingFile | undefined;
  #sweepTimer: TimerHandle | undefined;
  #saveTimer: TimerHandle | undefined;
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Opens the service on a data folder: bindings saved by the last run come back, expired ones do not. */
  static async open(opts: Omit<LocationServiceOptions, 'file' | 'initial'> & { readonly dataDir: string }): Promise<LocationService> {
    const { dataDir, ...rest } = opts;
    const file = new BindingFile({ dir: dataDir, clock: opts.clock, ...(opts.logger !== undefined && { logger: opts.logger }) });
    const loaded = await file.load();
    const service = new LocationService({ ...rest, file, initial: loaded.bindings });
    service.#log.info('registrations loaded', { file: file.path, live: loaded.bindings.length, expired: loaded.expired });
    // Dropped bindings should not come back at the next start either.
    if (loaded.expired > 0 || loaded.movedTo !== undefined) service.#changed();
    return service;
  }

  constructor(opts: LocationServiceOptions) {
    this.#clock = opts.clock;
    this.#log = opts.logger ?? silentLogger;
    this.limits = resolveRegistrationLimits(opts.limits);
    this.#sweepIntervalMs = opts.sweepIntervalMs ?? 30_000;
    this.#saveDelayMs = opts.saveDelayMs ?? 1_000;
    this.#file = opts.file;
    for (const s of opts.statics ?? []) this.#addStatic(s);
    const now = this.#clock.now();
    for (const b of opts.initial ?? []) {
      if (b.expiresAt <= now) continue;
      const aor = normalizeAor(b.aor);
      const list = this.#registered.get(aor) ?? [];
      list.push({ binding: { ...b, aor }, uri: parseUri(b.contact, 'Contact') });
      this.#registered.set(aor, list);
    }
    this.#armSweep();
  }

  /**
   * The live contacts of an address-of-record, static ones included, best first: q descending
   * (an absent q ranks as 1), then static before registered, then the most recently refreshed.
   */
  lookup(aor: string): Binding[] {
    const key = normalizeAor(aor);
    const statics = this.#statics.get(key) ?? [];
    const registered = this.#live(key).filter((r) => !statics.some((s) => urisEquivalent(s.uri, r.uri)));
    const all: Binding[] = [...statics.map((s) => s.binding), ...registered.map((r) => r.binding)];
    const order = (b: Binding): number => (b.kind === 'static' ? Infinity : b.updatedAt);
    return all.sort((a, b) => rank(b.q) - rank(a.q) || order(b) - order(a));
  }

  /** The live registered (not static) contacts of an address-of-record, oldest first. */
  registered(aor: string): RegisteredBinding[] {
    return this.#live(normalizeAor(aor)).map((e) => e.binding);
  }

  /** Every live registered binding: what the bindings file holds. */
  snapshot(): RegisteredBinding[] {
    const now = this.#clock.now();
    const out: RegisteredBinding[] = [];
    for (const list of this.#registered.values()) for (const e of list) if (e.binding.expiresAt > now) out.push(e.binding);
    return out;
  }

  /** How many registered bindings are held (expired ones not yet swept included). */
  get size(): number {
    let n = 0;
    for (const list of this.#registered.values()) n += list.length;
    return n;
  }

  /** Calls `listener` after every committed change; returns the function that unsubscribes it. */
  subscribe(listener: LocationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Applies one REGISTER's changes (§10.3 step 7) all or nothing: if any contact is refused, no
   * binding changes. Returns the registered bindings after the change.
   */
  update(aor: string, change: BindingChange): UpdateResult {
    if (this.#closed) return { ok: false, reason: 'CLOSED' };
    const key = normalizeAor(aor);
    const now = this.#clock.now();
    const current = this.#live(key);
    const events: LocationEvent[] = [];

    // A stored binding may be changed only by a REGISTER of another Call-ID (a rebooted phone) or
    // of the same Call-ID with a higher CSeq; anything else arrived late and must not win.
    const stale = (stored: RegisteredBinding): boolean => stored.callId === change.callId && change.cseq <= stored.cseq;

    let next: Entry<RegisteredBinding>[];
    if (change.kind === 'remove-all') {
      // Wildcard: every binding goes, provided none of them is newer than this request.
      const blocked = current.find((e) => stale(e.binding));
      if (blocked) return { ok: false, reason: 'OUT_OF_ORDER', contact: blocked.binding.contact };
      for (const e of current) events.push({ type: 'removed', aor: key, binding: e.binding });
      next = [];
    } else {
      next = current.slice();
      // Entries this request already wrote (a Contact listed twice): the last one wins, unchecked.
      const touched = new Set<Entry<RegisteredBinding>>();
      for (const c of change.contacts) {
        // The binding a Contact refers to is found by URI equivalence (§19.1.4), not by text.
        const at = next.findIndex((e) => urisEquivalent(e.uri, c.uri));
        const existing = at < 0 ? undefined : next[at];
        if (existing && !touched.has(existing) && stale(existing.binding)) {
          return { ok: false, reason: 'OUT_OF_ORDER', contact: existing.binding.contact };
        }
        if (c.expires === 0) {
          // Removing a binding that does not exist is not an error: the phone's view is already true.
          if (existing) next.splice(at, 1);
          continue;
        }
        const binding: RegisteredBinding = {
          kind: 'registered',
          aor: key,
          contact: formatUri(c.uri),
          q: c.q,
          expiresAt: now + c.expires * 1000,
          callId: change.callId,
          cseq: change.cseq,
          flow: flowOf(change.flow),
          instanceId: c.instanceId,
          regId: c.regId,
          userAgent: change.userAgent,
          registeredAt: existing?.binding.registeredAt ?? now,
          updatedAt: now,
        };
        const entry: Entry<RegisteredBinding> = { binding, uri: c.uri };
        touched.add(entry);
        if (existing) next[at] = entry;
        else next.push(entry);
      }
      // A limit on how many contacts an account may add, not a reason to refuse refreshes of
      // bindings held already (the limit may have been lowered since they were made).
      if (next.length > this.limits.maxContactsPerAor && next.length > current.length) {
        return { ok: false, reason: 'TOO_MANY_CONTACTS' };
      }
      // Events describe the net change against what was stored before this request.
      for (const e of next) {
        if (!touched.has(e)) continue;
        const before = current.find((c) => urisEquivalent(c.uri, e.uri));
        events.push({ type: before ? 'refreshed' : 'added', aor: key, binding: e.binding });
      }
      for (const e of current) {
        if (!next.some((n) => urisEquivalent(n.uri, e.uri))) events.push({ type: 'removed', aor: key, binding: e.binding });
      }
    }

    // Commit: only now does anyone see the change.
    if (next.length > 0) this.#registered.set(key, next);
    else this.#registered.delete(key);
    if (events.length > 0) this.#changed();
    this.#emit(events);
    return { ok: true, bindings: next.map((e) => e.binding) };
  }

  /** Forgets every expired binding now; returns how many went. The sweep timer calls this. */
  sweep(): number {
    let n = 0;
    for (const aor of [...this.#registered.keys()]) {
      const before = this.#registered.get(aor)?.length ?? 0;
      n += before - this.#live(aor).length;
    }
    return n;
  }

  /** Writes pending changes now, when there is a file. */
  flush(): Promise<void> {
    this.#clock.clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    return this.#save();
  }

  /** Stops the timers and writes what is pending; the service refuses updates afterwards. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#closing = this.flush();
    return this.#closing;
  }

  #addStatic(s: StaticContact): void {
    let uri: Uri;
    try {
      uri = parseUri(s.contact, 'Contact');
    } catch (e) {
      throw new RegistrarError('REGISTRAR_BAD_STATIC_CONTACT', `static contact of ${s.aor} is not a URI: ${s.contact}`, { cause: e });
    }
    if (uri.kind !== 'sip' || uri.scheme === 'tel') {
      throw new RegistrarError('REGISTRAR_BAD_STATIC_CONTACT', `static contact of ${s.aor} is not a SIP URI: ${s.contact}`);
    }
    const aor = normalizeAor(s.aor);
    const list = this.#statics.get(aor) ?? [];
    list.push({ binding: Object.freeze({ kind: 'static', aor, contact: formatUri(uri), q: undefined }), uri });
    this.#statics.set(aor, list);
  }

  /** The unexpired entries of an AOR; expired ones are dropped here and reported as such. */
  #live(aor: string): Entry<RegisteredBinding>[] {
    const list = this.#registered.get(aor);
    if (!list) return [];
    const now = this.#clock.now();
    // A binding is gone once its time is reached: a refresh must arrive before that instant.
    const live = list.filter((e) => e.binding.expiresAt > now);
    if (live.length === list.length) return list.slice();
    if (live.length > 0) this.#registered.set(aor, live);
    else this.#registered.delete(aor);
    this.#changed();
    this.#emit(list.filter((e) => !live.includes(e)).map((e) => ({ type: 'expired' as const, aor, binding: e.binding })));
    return live.slice();
  }

  #emit(events: readonly LocationEvent[]): void {
    for (const event of events) {
      this.#log.debug(`binding ${event.type}`, { aor: event.aor, contact: event.binding.contact });
      for (const listener of this.#listeners) {
        // A listener's failure is its own: the registrar has answered already and must go on.
        try {
          listener(event);
        } catch (e) {
          this.#log.error('location listener failed', { event: event.type, aor: event.aor, error: (e as Error).message });
        }
      }
    }
  }

  #armSweep(): void {
    this.#sweepTimer = this.#clock.setTimeout(() => {
      this.#sweepTimer = undefined;
      this.sweep();
      if (!this.#closed) this.#armSweep();
    }, this.#sweepIntervalMs);
  }

  /** Marks the file out of date and schedules a write, gathering the changes of the next moment. */
  #changed(): void {
    if (!this.#file) return;
    this.#dirty = true;
    if (this.#saveTimer !== undefined || this.#closed) return;
    this.#saveTimer = this.#clock.setTimeout(() => {
      this.#saveTimer = undefined;
      void this.#save();
    }, this.#saveDelayMs);
  }

  /** Writes one after another, never two at once: the last snapshot taken is the last to land. */
  #save(): Promise<void> {
    const file = this.#file;
    if (!file) return Promise.resolve();
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      const bindings = this.snapshot();
      try {
        await file.save(bindings);
      } catch (e) {
        // Tried again at the next change or at close; the bindings in memory stay right meanwhile.
        this.#dirty = true;
        this.#log.error('cannot write the bindings file', { code: 'BINDINGS_FILE_WRITE_FAILED', file: file.path, error: (e as Error).message });
      }
    });
    return this.#writing;
  }
}
