// Starts the roles of one process in dependency order (Temporal, workers, SIP node, API) and stops
// them in reverse, so no request is cut off mid-answer and no child process is left behind.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { CallStore } from '../store/call-store.ts';
import { ensureTemporalCli } from '../temporal/cli-build.ts';
import { startDevServer, type DevServer } from '../temporal/dev-server.ts';
import { createApiApp } from '../api/app.ts';
import { createEventsUpgradeHandler } from '../api/event-ws.ts';
import { createHttpFrontEnd } from '../http/server.ts';
import { startSipNode, type SipNode } from '../b2bua/index.ts';
import { CallEventBus } from '../events/call-events.ts';
import { startFeedServer } from '../store/feed-server.ts';
import type { CallControlPort } from '../api/ports.ts';
import { createCallControl } from './call-control.ts';
import { createRemoteCallControl, handleNodeControl } from './node-control.ts';
import { followFeeds } from '../store/replica.ts';
import type { Role } from './roles.ts';
import { startWorkers, type RunningWorkers } from './workers.ts';
import { Client, Connection } from '@temporalio/client';
import { SipEventRouter } from '../operations/sip-event-router.ts';
import { createTemporalOperations } from '../operations/temporal-operations.ts';

export interface RunningServer {
  roles: Set<Role>;
  temporalAddress: string;
  temporalUi?: string;
  http?: AddressInfo;
  store: CallStore;
  events: CallEventBus;
  sip?: SipNode;
  stop(): Promise<void>;
  /** Forced exit: kills child processes at once (a second Ctrl-C). */
  kill(): void;
}

export interface StartOptions {
  config: Config;
  roles: Set<Role>;
  logger: Logger;
  clock?: Clock;
  /** Progress lines of long steps (the first Temporal build). */
  progress?: (line: string) => void;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config, roles, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  const kills: Array<() => void> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      const started = Date.now();
      try {
        await s.stop();
        logger.info('stopped', { part: s.name, ms: Date.now() - started });
      } catch (err) {
        logger.error('stop failed', { part: s.name, error: (err as Error).message });
      }
    }
    stops.length = 0;
  };

  try {
    let temporalAddress = config.temporal.address;
    let temporalUi: string | undefined;
    if (roles.has('temporal')) {
      const binary = await ensureTemporalCli({ logger, progress: opts.progress });
      const dev: DevServer = await startDevServer({
        binary,
        dataDir: join(config.data.dir, 'temporal'),
        port: config.temporal.port,
        uiPort: config.temporal.uiPort,
        metricsPort: config.temporal.metricsPort,
        namespace: config.temporal.namespace,
        logger,
      });
      stops.push({ name: 'temporal', stop: () => dev.stop() });
      kills.push(() => dev.kill());
      temporalAddress = dev.address;
      temporalUi = dev.uiUrl;
    } else if (temporalAddress === 'embedded') {
      // Another process of this deployment runs the dev server on the configured port.
      temporalAddress = `127.0.0.1:${config.temporal.port}`;
    }

    const store = new CallStore();
    const events = new CallEventBus();

    // One Temporal client per process, for the API (operations) and the SIP node (event signals).
    // Lazy: the process comes up even while Temporal is unreachable; operations then answer 1503.
    let client: Client | undefined;
    let eventRouter: SipEventRouter | undefined;
    if (roles.has('api') || roles.has('sip')) {
      const connection = Connection.lazy({ address: temporalAddress });
      client = new Client({ connection, namespace: config.temporal.namespace });
      if (roles.has('sip')) eventRouter = new SipEventRouter({ client, logger: logger.child('sip-events') });
      stops.push({
        name: 'temporal-client',
        stop: async () => {
          eventRouter?.close();
          await connection.close();
        },
      });
    }

    let sip: SipNode | undefined;
    if (roles.has('sip')) {
      const node = await startSipNode({
        config,
        store,
        events,
        clock,
        logger: logger.child('sip'),
        digestAlgorithms: config.sip.digestAlgorithms,
        noAnswerTimeoutMs: config.sip.noAnswerTimeoutSec * 1000,
      });
      sip = node;
      const router = eventRouter;
      // What devices do on service calls goes back to the operation that placed them, as signals.
      if (router) node.serviceCalls.onServiceCallEvent((callid, event) => router.deliver(callid, event));
      stops.push({ name: 'sip', stop: () => node.stop() });
    }

    if (roles.has('worker') || roles.has('sip')) {
      const workers: RunningWorkers = await startWorkers({
        config,
        address: temporalAddress,
        store,
        clock,
        logger,
        workflows: roles.has('worker'),
        nodeActivities: roles.has('sip'),
        sip: sip && eventRouter ? { sip: sip.serviceCalls, routes: eventRouter } : undefined,
      });
      stops.push({ name: 'workers', stop: () => workers.shutdown() });
    }

    // Split roles: the SIP node publishes its store and takes call control on the same port; an API
    // process apart from it follows the feeds and sends call control to the node owning the dialog.
    const local = sip ? createCallControl(sip) : undefined;
    let calls: CallControlPort | undefined = local;
    if (local && !roles.has('api')) {
      const { host, port } = config.cluster.feed;
      const control = { calls: local, store, logger: logger.child('node-control') };
      const feed = await startFeedServer({ store, node: config.node, host, port, logger, handle: (req, res) => handleNodeControl(req, res, control) });
      stops.push({ name: 'feed', stop: () => feed.close() });
      logger.info('call-store feed listening', { address: `${host}:${feed.address.port}` });
    }
    if (roles.has('api') && !roles.has('sip')) {
      const nodes = config.cluster.nodes ?? [`${config.cluster.feed.host}:${config.cluster.feed.port}`];
      const replica = followFeeds({ store, nodes, logger });
      calls = createRemoteCallControl({ ownerOf: (id) => replica.ownerOf(id), logger: logger.child('node-control') });
      stops.push({ name: 'replica', stop: async () => replica.close() });
    }

    let http: AddressInfo | undefined;
    if (roles.has('api')) {
      const apiLog = logger.child('api');
      // Call events exist where the SIP node runs; an API-only process answers 1503 on /events.
      const bus = sip ? events : undefined;
      const eventStream = { clock };
      const operations = client ? createTemporalOperations({ client, config, store, logger: apiLog.child('operations') }) : undefined;
      const app = createApiApp({ config, store, logger: apiLog, calls, operations, events: bus, eventStream });
      const frontEnd = createHttpFrontEnd({ fetch: app.fetch, limits: config.http.limits, clock, logger: logger.child('http') });
      const eventsWs = bus
        ? createEventsUpgradeHandler({ config, events: bus, logger: apiLog.child('events'), eventStream, fallback: (s) => frontEnd.handle(s) })
        : undefined;
      frontEnd.onUpgrade(eventsWs);
      http = await frontEnd.listen(config.http.listen.port, config.http.listen.host);
      stops.push({
        name: 'http',
        stop: async () => {
          // Event streams never end by themselves: end them while the front end drains.
          const closing = frontEnd.close();
          await eventsWs?.close();
          await closing;
        },
      });
      logger.info('API listening', { url: `http://${config.http.listen.host}:${http.port}/rest/v1/user/sip/calls` });
    }

    return { roles, temporalAddress, temporalUi, http, store, events, sip, stop: stopAll, kill: () => kills.forEach((k) => k()) };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
