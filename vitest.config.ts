import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and end-to-end tests in test/ that start real
// servers (Temporal dev server, the call-control server, SIP peers) and so run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{api,http,sip,media,store,config,machines,workflows,activities,temporal,server,lib,service-scripts,bin,events,b2bua}/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          // One file at a time: they share fixed loopback ports and the machine's 2 cores.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
