import { spawn, type ChildProcess } from 'node:child_process';
import type postgres from 'postgres';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

const entryPoints = {
  ingest: 'apps/ingest/src/main.ts',
  projector: 'apps/projector/src/main.ts',
  web: 'apps/web/server.ts',
} as const;

export type AppName = keyof typeof entryPoints;

export interface AppProcess {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output: () => string;
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** SIGKILL: no shutdown hooks run, as in a crash. */
  kill: () => Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop: () => Promise<number | null>;
}

/**
 * Runs an app as a real child process, the same entry point `npm start` uses, in a session of its
 * own as a service runs: with Linux's autogroup scheduling, processes of one session share one
 * slice of the CPU against every other session (each PostgreSQL backend is a session of its own), so
 * apps started in the caller's session would compete for one slice among themselves. With
 * PULSE_CPU_PROF_DIR set (benchmarks), each app writes a V8 CPU profile into <dir>/<app> when it exits
 * (Node refuses --cpu-prof in NODE_OPTIONS).
 */
export function startApp(app: AppName, env: Record<string, string>): AppProcess {
  const profDir = process.env.PULSE_CPU_PROF_DIR;
  const profile = profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profDir, app)}`] : [];
  const flags = process.env.PULSE_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...profile, ...flags, '--import', 'tsx', entryPoints[app]], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitForOutput: (pattern, timeoutMs = 20_000) =>
      waitFor(() => pattern.test(out) || child.exitCode !== null, {
        timeoutMs,
        what: `${app} output ${pattern}`,
      }).then(() => {
        if (!pattern.test(out))
          throw new Error(`${app} exited (${child.exitCode}) before ${pattern}:\n${out}`);
      }),
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * User + system CPU a process has used so far, in ms, from Linux's /proc (undefined once it has
 * exited, or where there is no /proc). The benchmarks' CPU figures: little affected by what else
 * runs on the machine, unlike their rates and latencies.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/**
 * CPU (ms) that each named process and the PostgreSQL backends of `database` use from now until the
 * returned function is called; backends are summed per application as `postgres (<name>)`, with a
 * `pulse-` prefix dropped. The benchmarks' CPU figures: unlike rates and latencies, they hardly move
 * with whatever else the machine runs.
 */
export async function cpuMeter(
  sql: postgres.Sql,
  database: string,
  processes: Record<string, number | undefined>,
): Promise<() => Promise<Map<string, number>>> {
  const backends = () =>
    sql<{ pid: number; app: string }[]>`
      SELECT pid, application_name AS app FROM pg_stat_activity WHERE datname = ${database}`;
  const before = new Map((await backends()).map((b) => [b.pid, processCpuMs(b.pid) ?? 0]));
  const start = new Map(Object.entries(processes).map(([name, pid]) => [name, processCpuMs(pid) ?? 0]));
  return async () => {
    const used = new Map<string, number>();
    for (const [name, pid] of Object.entries(processes)) {
      const now = processCpuMs(pid);
      if (now !== undefined) used.set(name, now - start.get(name)!);
    }
    for (const b of await backends()) {
      const key = `postgres (${b.app.replace(/^pulse-/, '')})`;
      used.set(key, (used.get(key) ?? 0) + (processCpuMs(b.pid) ?? 0) - (before.get(b.pid) ?? 0));
    }
    return used;
  };
}
