// The node's transaction user (RFC 3261 §8.2, §16.3 in spirit): every request that starts a server
// transaction comes here and is sent where it belongs: REGISTER to the registrar, OPTIONS answered
// by the node, INVITE authenticated (407), routed and handed to the call manager, requests within a
// dialog and CANCEL to the call manager; everything else refused with the status §8.2.1 gives.
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { SipRequest, SipResponse } from '../sip/message/index.ts';
import type { Registrar } from '../sip/registrar/index.ts';
import type { InviteServerTransaction, ServerTransaction, TransactionUser } from '../sip/transaction/index.ts';
import type { Source } from '../sip/transport/index.ts';
import type { CallManager } from './call-manager.ts';
import type { ProxyAuthenticator } from './proxy-authenticator.ts';
import type { Router } from './router.ts';
import { CAPABILITY_HEADERS, IN_DIALOG_ONLY_METHODS, KNOWN_METHODS, OUT_OF_DIALOG_METHODS, allow } from './sip-methods.ts';

/** The reason phrase of a call to a conference room while conferences have no media yet. */
export const CONFERENCE_NOT_AVAILABLE = 'Temporarily Unavailable - conference not available yet';

export interface RequestDispatcherOptions {
  readonly node: string;
  readonly router: Router;
  readonly registrar: Registrar;
  readonly authenticator: ProxyAuthenticator;
  readonly calls: CallManager;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class RequestDispatcher implements TransactionUser {
  readonly #o: RequestDispatcherOptions;
  readonly #log: Logger;
  /** Call-IDs of our own b legs start so: one coming back to us is a loop. */
  readonly #ownCallIdPrefix: string;

  constructor(opts: RequestDispatcherOptions) {
    this.#o = opts;
    this.#log = opts.logger.child('dispatch');
    this.#ownCallIdPrefix = `rB2-${opts.node}-`;
  }

  onRequest(tx: ServerTransaction, source: Source): void {
    const req = tx.request;
    const method = req.method;
    if (method === 'CANCEL') {
      this.#o.calls.handleCancel(tx);
      return;
    }
    if (method === 'REGISTER') {
      this.#register(tx, source);
      return;
    }
    // §12.2.2: a To tag puts the request within a dialog.
    if (req.to?.tag !== undefined) {
      this.#o.calls.handleInDialog(tx);
      return;
    }
    switch (method) {
      case 'INVITE':
        this.#invite(tx as InviteServerTransaction, source).catch((e: unknown) => {
          this.#log.error('INVITE failed', { callid: req.callId, err: e instanceof Error ? e.message : String(e) });
          if (tx.lastResponse === undefined || tx.lastResponse.status < 200) tx.reply(500);
        });
        return;
      case 'OPTIONS':
        // §11.2: OPTIONS to the server itself (keep-alive pings, capability queries) is answered
        // here without authentication: it reveals only what every 200 we send lists.
        tx.reply(200, undefined, { headers: CAPABILITY_HEADERS });
        return;
      default:
        break;
    }
    if (IN_DIALOG_ONLY_METHODS.has(method)) {
      // BYE, INFO, UPDATE, PRACK, NOTIFY without a To tag match no dialog.
      tx.reply(481);
      return;
    }
    if (!KNOWN_METHODS.has(method)) {
      // §8.2.1: a method we do not recognise.
      tx.reply(501, undefined, { headers: [allow(OUT_OF_DIALOG_METHODS)] });
      return;
    }
    // REFER, SUBSCRIBE, MESSAGE, PUBLISH outside a dialog: devices prove who they are first (no
    // answer for strangers), then learn we do not take them outside a dialog (405 with Allow).
    this.#refuseAuthenticated(tx, source).catch((e: unknown) => {
      this.#log.error('request failed', { method, err: e instanceof Error ? e.message : String(e) });
      if (tx.lastResponse === undefined) tx.reply(500);
    });
  }

  onAck(ack: SipRequest): void {
    this.#o.calls.handleAck(ack);
  }

  onStrayResponse(res: SipResponse): void {
    this.#o.calls.handleStrayResponse(res);
  }

  #register(tx: ServerTransaction, source: Source): void {
    this.#o.registrar.handle(tx.request, source).then(
      (res) => tx.respond(res),
      (e: unknown) => {
        this.#log.error('REGISTER failed', { err: e instanceof Error ? e.message : String(e) });
        tx.reply(500);
      },
    );
  }

  async #refuseAuthenticated(tx: ServerTransaction, source: Source): Promise<void> {
    const req = tx.request;
    const domain = this.#o.router.domainOf(req.uri);
    if (!domain) {
      tx.reply(404, 'Not Found - Unknown Domain');
      return;
    }
    const auth = await this.#o.authenticator.authenticate(req, domain, source);
    if (auth.kind === 'challenge') {
      tx.reply(auth.status, auth.reason, { headers: auth.headers });
      return;
    }
    tx.reply(405, undefined, { headers: [allow(OUT_OF_DIALOG_METHODS)] });
  }

  /**
   * A new call. The checks that need no account come first, then authentication, then routing:
   * whatever a stranger sends, it learns nothing but the challenge.
   */
  async #invite(tx: InviteServerTransaction, source: Source): Promise<void> {
    const req = tx.request;
    const arrivedAt = this.#o.clock.now();
    // §17.2.1: 100 Trying at once; digest checks and media setup take a moment.
    tx.reply(100);
    const uri = req.uri;
    // §8.2.2.1: a scheme we do not serve.
    if (uri.kind !== 'sip' || uri.scheme === 'sips') {
      tx.reply(416);
      return;
    }
    // The Request-URI host names the domain; we relay to no other (§21.4.4: 404 for a domain the
    // server does not handle, the registrar's answer too).
    const domain = this.#o.router.domainOf(uri);
    if (!domain) {
      tx.reply(404, 'Not Found - Unknown Domain');
      return;
    }
    // §16.3 step 3 in spirit: a B2BUA passes Max-Forwards on less one, so a loop runs out (RFC 7332).
    const maxForwards = req.maxForwards ?? 70;
    if (maxForwards === 0) {
      tx.reply(483);
      return;
    }
    if (req.callId?.startsWith(this.#ownCallIdPrefix)) {
      tx.reply(482, 'Loop Detected');
      return;
    }
    // §8.2.2.3: we support no option tag that a caller could require (100rel, timer, …).
    const required = req.headers.values('require');
    if (required.length > 0) {
      tx.reply(420, undefined, { headers: [['Unsupported', required.join(', ')]] });
      return;
    }
    const auth = await this.#o.authenticator.authenticate(req, domain, source);
    if (tx.finalResponse !== undefined) return; // CANCELled meanwhile
    if (auth.kind === 'challenge') {
      tx.reply(auth.status, auth.reason, { headers: auth.headers });
      return;
    }
    const route = this.#o.router.resolve(domain, uri.user);
    switch (route.kind) {
      case 'not-found':
        tx.reply(404);
        return;
      case 'conference':
        // Conference rooms are recognised now; their media comes with a later issue.
        this.#log.info('conference call refused for now', { room: route.room, callid: req.callId });
        tx.reply(480, CONFERENCE_NOT_AVAILABLE);
        return;
      case 'account':
        await this.#o.calls.startCall({
          tx,
          source,
          arrivedAt,
          domain,
          caller: auth.account,
          callee: route.account,
          dialled: route.dialled,
          intercom: route.intercom,
          maxForwards: maxForwards - 1,
        });
        return;
    }
  }
}
