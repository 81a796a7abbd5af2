import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from '@pulse/testkit';

const run = promisify(execFile);

/**
 * A nats-server and a PostgreSQL cluster of the test's own, on free ports in a temp dir, so a
 * fault test can kill and restart them without touching the machine's services.
 */
export interface OwnNats {
  url: string;
  kill: () => Promise<void>;
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

export async function startOwnNats(): Promise<OwnNats> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-nats-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
    await waitFor(() => portAnswers(port), { what: `nats-server on ${port}`, timeoutMs: 15_000 });
  };
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `nats://127.0.0.1:${port}`, kill, start, stop: async () => (await kill(), rmSync(dir, { recursive: true, force: true })) };
}

export interface OwnPostgres {
  serverUrl: string;
  restart: (downMs: number) => Promise<void>;
  stop: () => Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` OS user. */
const asPostgres = (bin: string, args: string[]) =>
  process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = '/usr/lib/postgresql/15/bin';
  const { stdout } = await run('pg_config', ['--bindir']).catch(() => ({ stdout: bin }));
  const bindir = stdout.trim() || bin;
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
  const data = path.join(dir, 'data');
  await asPostgres(path.join(bindir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const ctl = (...args: string[]) => asPostgres(path.join(bindir, 'pg_ctl'), ['-D', data, ...args]);
  const start = () =>
    ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`, '-l', path.join(dir, 'log'), '-w', 'start');
  await start();
  return {
    serverUrl: `postgres://postgres@127.0.0.1:${port}`,
    restart: async (downMs) => {
      await ctl('-m', 'fast', '-w', 'stop');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop: async () => {
      await ctl('-m', 'immediate', '-w', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function portAnswers(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
