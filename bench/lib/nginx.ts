// A reference server for the API benchmark: Debian's nginx, one process (no master), serving a fixed
// answer from a file on 127.0.0.1. What the load generator measures against it is what this machine
// and harness show for a server written in C; bench/api/bench.ts runs it when nginx is installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/helpers/server-process.ts';
import { sh } from './harness.ts';

export interface NginxReference {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** The nginx binary, or undefined when it is not installed. */
export function nginxPath(): string | undefined {
  const path = sh('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], '');
  return path === '' ? undefined : path;
}

function config(dir: string, port: number, contentType: string): string {
  // master_process off: the one process that answers is the child, so its /proc CPU is the server's.
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server_tokens off;
  etag off;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  open_file_cache max=4;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    location / { default_type "${contentType}"; try_files /answer.body =404; }
  }
}
`;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Starts nginx answering every request with `body`; `cpus` pins it (taskset list). */
export async function startNginx(nginx: string, body: Uint8Array, contentType: string, cpus: string | undefined): Promise<NginxReference> {
  const dir = mkdtempSync(join(tmpdir(), 'callctl-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'answer.body'), body);
  writeFileSync(join(dir, 'nginx.conf'), config(dir, port, contentType));
  const argv = [nginx, '-c', join(dir, 'nginx.conf'), '-p', dir];
  const child = cpus ? spawn('taskset', ['-c', cpus, ...argv], { stdio: 'ignore' }) : spawn(nginx, argv.slice(1), { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if (await accepting(port)) return { child, port, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`nginx did not start on 127.0.0.1:${port}`);
}
