#!/usr/bin/env -S npx tsx
// The command line: `start` runs the server on its embedded defaults (or --config), `setup` builds
// what the machine still lacks, `check-config` validates a config file, `health` probes a running server.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from '../config/load.ts';
import { createLogger } from '../lib/log.ts';
import { ensureTemporalCli, TemporalBuildError } from '../temporal/cli-build.ts';
import { OPS_TASK_QUEUE } from '../temporal/task-queues.ts';
import { parseRoles, RolesError } from '../server/roles.ts';
import { startServer } from '../server/start.ts';
import { runScriptCommand } from './script-command.ts';

const usage = `usage: callctl <command> [options]
  start         [--config FILE] [--roles all|api,sip,worker,temporal]   run the server
  setup                                                                 build the Temporal CLI if missing
  check-config  [FILE]                                                  validate a config file
  health        [--config FILE]                                         round trip through Temporal and the node
  script        validate FILE | draw FILE [--format mermaid|dot]        check or draw a service script (FILE or builtin:NAME)`;

const logger = createLogger({ component: 'callctl' });

async function main(argv: string[]): Promise<number> {
  // Its own options (--format): handled before the strict parse below.
  if (argv[0] === 'script') return runScriptCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, roles: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return command ? 0 : 2;
  }
  switch (command) {
    case 'setup': {
      const path = await ensureTemporalCli({ logger });
      process.stdout.write(`temporal CLI: ${path}\n`);
      return 0;
    }
    case 'check-config': {
      const cfg = loadConfig(positionals[1] ?? values.config);
      process.stdout.write(`config ok: site ${cfg.site}, node ${cfg.node}, ${cfg.domains.length} domain(s)\n`);
      return 0;
    }
    case 'health': {
      const cfg = loadConfig(values.config);
      const address = cfg.temporal.address === 'embedded' ? `127.0.0.1:${cfg.temporal.port}` : cfg.temporal.address;
      const connection = await Connection.connect({ address, connectTimeout: 3000 });
      try {
        const client = new Client({ connection, namespace: cfg.temporal.namespace });
        const result = await client.workflow.execute('healthCheck', {
          taskQueue: OPS_TASK_QUEUE,
          workflowId: `health-${cfg.node}-${Date.now()}`,
          args: [{ node: cfg.node }],
          workflowExecutionTimeout: '30 seconds',
        });
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } finally {
        await connection.close();
      }
      return 0;
    }
    case 'start':
      return start(values.config, values.roles);
    default:
      process.stderr.write(`unknown command "${command}"\n${usage}\n`);
      return 2;
  }
}

async function start(configPath: string | undefined, rolesText: string | undefined): Promise<number> {
  const config = loadConfig(configPath);
  const roles = parseRoles(rolesText, config.temporal.address === 'embedded');
  logger.info('starting', { config: configPath ?? 'demo', roles: [...roles].join(','), node: config.node, site: config.site });
  const server = await startServer({ config, roles, logger });
  if (server.temporalUi) logger.info('Temporal web UI', { url: server.temporalUi });
  logger.info('ready', { temporal: server.temporalAddress });

  return new Promise<number>((resolve) => {
    let stoppingSince = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stoppingSince) {
        // Ctrl-C reaches the whole process group and npm forwards it too: one press, two signals.
        if (Date.now() - stoppingSince < 2000) return;
        logger.warn('second signal: killing children and exiting now', { signal });
        server.kill();
        process.exit(130);
      }
      stoppingSince = Date.now();
      logger.info('shutting down', { signal });
      server.stop().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error('shutdown failed', { error: (err as Error).message });
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    if (err instanceof RolesError || err instanceof TemporalBuildError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    logger.error('fatal', { error: (err as Error).stack ?? String(err) });
    process.exit(1);
  },
);
