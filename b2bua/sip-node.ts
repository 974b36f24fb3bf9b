// The SIP node (the seed's b2b role): transports on every configured listen address, transactions,
// the registrar and location service (bindings kept under data.dir), digest authentication, the
// media relay, the router and the B2B call manager, started together and stopped together.
import type { Config } from '../config/schema.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { CallEventBus } from '../events/call-events.ts';
import { MediaManager } from '../media/media-manager.ts';
import { DigestVerifier, type DigestAlgorithm } from '../sip/auth/index.ts';
import { AccountDirectory, LocationService, Registrar, type RegistrationLimits } from '../sip/registrar/index.ts';
import { TransactionLayer, type TransactionTimerConfig } from '../sip/transaction/index.ts';
import { TcpTransport, TransportLayer, UdpTransport, type Transport, type TransportProtocol } from '../sip/transport/index.ts';
import type { CallStore } from '../store/call-store.ts';
import type { InDialogReferHook } from './b2b-call.ts';
import { B2buaError } from './b2bua-error.ts';
import { CallManager, DEFAULT_NO_ANSWER_TIMEOUT_MS } from './call-manager.ts';
import { DtmfSender, findDtmfLeg } from './dtmf-sender.ts';
import { JoinedCalls, firstOf } from './joined-calls.ts';
import { ProxyAuthenticator } from './proxy-authenticator.ts';
import { ReferredCallMatcher } from './referred-call-matcher.ts';
import { RequestDispatcher } from './request-dispatcher.ts';
import { Router } from './router.ts';
import { ServiceCalls } from './service-calls.ts';

/** How long stop() waits for the legs to answer BYE and CANCEL before dropping the calls. */
export const DEFAULT_STOP_GRACE_MS = 2_000;

/** No RTP from either phone for this long ends an answered call (docs/media.md). */
export const DEFAULT_MEDIA_TIMEOUT_MS = 60_000;

export interface SipNodeOptions {
  readonly config: Config;
  readonly store: CallStore;
  readonly events: CallEventBus;
  readonly clock?: Clock;
  readonly logger: Logger;
  /** Ringing longer than this ends with CANCEL to the forks and 480 to the caller. Default 60 s. */
  readonly noAnswerTimeoutMs?: number;
  /** Transaction timers (T1, T2, T4, Timer D, 100 Trying delay); tests shorten them. */
  readonly timers?: Partial<TransactionTimerConfig>;
  /** Digest algorithms offered in challenges, most preferred first. Default from config: MD5, SHA-256. */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
  /** Nonce HMAC key shared between nodes (≥ 16 bytes); random at start by default. */
  readonly digestSecret?: Uint8Array;
  readonly registrationLimits?: Partial<RegistrationLimits>;
  /** Default 60 s; 0 turns the media timeout off. */
  readonly mediaTimeoutMs?: number;
  /** Default 2 s, on the clock. */
  readonly stopGraceMs?: number;
  /** REFER within a call; by default it is relayed to the other leg. */
  readonly onInDialogRefer?: InDialogReferHook;
}

/** What is alive in the node: after the last call and a quiet spell, everything but timers is 0. */
export interface SipNodeCounts {
  /** B2B calls and joined dialogs (the call store holds the same dialogs). */
  readonly dialogs: number;
  readonly transactions: number;
  /** Timers on the node's clock, when the clock can tell (ManualClock, the system clock). */
  readonly timers?: number;
  readonly mediaSessions: number;
  readonly portsInUse: number;
  /** Media sockets. */
  readonly socketsOpen: number;
  /** SIP stream connections. */
  readonly connections: number;
}

export interface SipNode {
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly location: LocationService;
  readonly registrar: Registrar;
  readonly media: MediaManager;
  readonly calls: CallManager;
  readonly router: Router;
  /** The node's ServiceCallPort (calls the node places for the operations): bind its events with
   * `serviceCalls.onServiceCallEvent((callid, event) => void router.deliver(callid, event))`. */
  readonly serviceCalls: ServiceCalls;
  /** Dialogs joinLegs made of two service calls (RFC 3725); the call store holds them too. */
  readonly joinedCalls: JoinedCalls;
  /** The bound address of each configured listen entry, in order. */
  readonly listening: readonly { readonly transport: TransportProtocol; readonly host: string; readonly port: number }[];
  counts(): SipNodeCounts;
  /** Ends every call (BYE/CANCEL, best effort), closes media, flushes registrations, closes sockets. */
  stop(): Promise<void>;
}

function pendingTimers(clock: Clock): number | undefined {
  const n = (clock as { pending?: unknown }).pending;
  return typeof n === 'number' ? n : undefined;
}

export async function startSipNode(opts: SipNodeOptions): Promise<SipNode> {
  const { config, store, events } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger.child('sip', { node: config.node });
  const noAnswerTimeoutMs = opts.noAnswerTimeoutMs ?? DEFAULT_NO_ANSWER_TIMEOUT_MS;
  if (!Number.isInteger(noAnswerTimeoutMs) || noAnswerTimeoutMs < 1) throw new B2buaError('B2BUA_BAD_OPTION', 'noAnswerTimeoutMs must be a positive integer');

  const transports: Transport[] = config.sip.listen.map((l, i) => {
    const common = { host: l.host, port: l.port, id: `${l.transport}:${i}:${l.host}:${l.port}`, clock, logger };
    return l.transport === 'udp' ? new UdpTransport(common) : new TcpTransport(common);
  });
  const transport = new TransportLayer({ transports, logger });
  const directory = new AccountDirectory(config.domains);
  const router = new Router({ directory, domains: config.domains });
  const verifier = new DigestVerifier({
    clock,
    ...(opts.digestAlgorithms !== undefined && { algorithms: opts.digestAlgorithms }),
    ...(opts.digestSecret !== undefined && { secret: opts.digestSecret }),
  });
  const media = new MediaManager({
    host: config.sip.media.host,
    ports: config.sip.media.ports,
    clock,
    logger,
    sessionDefaults: { mediaTimeoutMs: opts.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS },
  });

  let location: LocationService | undefined;
  let transactions: TransactionLayer | undefined;
  try {
    location = await LocationService.open({
      dataDir: config.data.dir,
      clock,
      logger: logger.child('location'),
      statics: directory.staticContacts(),
      ...(opts.registrationLimits !== undefined && { limits: opts.registrationLimits }),
    });
    const registrar = new Registrar({ directory, location, verifier, clock, logger: logger.child('registrar') });
    // The layer's user is the dispatcher, which needs the call manager, which needs the layer: the
    // callbacks reach the dispatcher once it exists (nothing arrives before transport.start()).
    const layer = new TransactionLayer({
      transport,
      clock,
      logger,
      ...(opts.timers !== undefined && { timers: opts.timers }),
      user: {
        onRequest: (tx, source) => dispatcher.onRequest(tx, source),
        onAck: (ack) => dispatcher.onAck(ack),
        onStrayResponse: (res) => dispatcher.onStrayResponse(res),
      },
    });
    transactions = layer;
    // Shared: service calls REFER, the call manager recognises the referred INVITEs.
    const referrals = new ReferredCallMatcher({ clock });
    const calls = new CallManager({
      node: config.node,
      site: config.site,
      transactions: layer,
      transport,
      location,
      media,
      store,
      events,
      clock,
      logger,
      noAnswerTimeoutMs,
      ...(opts.onInDialogRefer !== undefined && { onInDialogRefer: opts.onInDialogRefer }),
      referrals,
    });
    const serviceCalls = new ServiceCalls({ transactions: layer, transport, location, media, router, clock, logger, legs: calls, referrals });
    // Third-party call control (joinLegs) and DTMF, beside the service calls.
    const joined = new JoinedCalls({ node: config.node, site: config.site, transactions: layer, store, events, router, clock, logger, serviceCalls });
    const dtmf = new DtmfSender({ transactions: layer, clock, logger, find: (target) => findDtmfLeg({ serviceCalls, joined, calls }, target) });
    serviceCalls.setExtras({
      joinLegs: (request, ctx) => joined.joinLegs(request, ctx),
      sendDtmf: (request) => dtmf.send(request),
      mediaTimeout: (sessionId) => joined.mediaTimeout(sessionId),
    });
    calls.setExtraDialogs(firstOf(joined, serviceCalls));
    const authenticator = new ProxyAuthenticator({ verifier, directory, logger: logger.child('auth') });
    const dispatcher = new RequestDispatcher({ node: config.node, router, registrar, authenticator, calls, clock, logger });
    await transport.start();
    const listening = transports.map((t) => ({ transport: t.protocol, host: t.local.host, port: t.local.port }));
    logger.info('SIP node listening', { addresses: listening.map((l) => `${l.transport}:${l.host}:${l.port}`).join(',') });

    const loc = location;
    let stopping: Promise<void> | undefined;
    return {
      transport,
      transactions: layer,
      location: loc,
      registrar,
      media,
      calls,
      router,
      serviceCalls,
      joinedCalls: joined,
      listening,
      counts: () => {
        const m = media.stats();
        const timers = pendingTimers(clock);
        return {
          dialogs: calls.size + joined.size,
          transactions: layer.size(),
          ...(timers !== undefined && { timers }),
          mediaSessions: m.sessions,
          portsInUse: m.portsInUse,
          socketsOpen: m.socketsOpen,
          connections: transport.connectionCount,
        };
      },
      stop: () =>
        (stopping ??= (async () => {
          logger.info('SIP node stopping', { calls: calls.size });
          const grace = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
          await Promise.all([calls.closeAll(grace), serviceCalls.closeAll(grace), joined.closeAll(grace)]);
          await media.closeAll();
          await loc.close();
          layer.close();
          await transport.stop();
          logger.info('SIP node stopped');
        })()),
    };
  } catch (e) {
    transactions?.close();
    await Promise.allSettled([transport.stop(), media.closeAll(), location?.close()]);
    throw e;
  }
}

