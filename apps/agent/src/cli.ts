import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

type OptionsConfig = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** A bad command line: the entry point prints it with the usage text and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const IngestUrl = z.url({
  protocol: /^https?$/,
  error: (iss) =>
    iss.input === undefined ? 'is required' : 'must be an http(s) URL, e.g. http://localhost:8080',
});

export const IngestKey = z
  .string({ error: 'is required (the tenant ingest key)' })
  .min(1, 'must not be empty');

/** A whole positive number given as a flag, e.g. `--interval 10`. */
export function countFlag(min: number, max: number) {
  return z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
}

/**
 * Parses argv with node:util parseArgs, then validates the values with a zod schema whose keys are the
 * flag names, so every message names the flag the person typed. Returns undefined for --help.
 */
export function parseCommandLine<S extends z.ZodType>(
  argv: string[],
  options: OptionsConfig,
  schema: S,
): z.infer<S> | undefined {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    // parseArgs reports unknown flags and missing values as TypeErrors with an ERR_PARSE_ARGS_* code.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
  if (values.help) return undefined;
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  throw new UsageError(
    result.error.issues.map((i) => `--${i.path.join('.') || '(arguments)'}: ${i.message}`).join('\n'),
  );
}

/** Runs a command-line entry point: usage errors print a message and the usage, exit code 2. */
export async function runCli(usage: string, main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    console.error(err);
    process.exitCode = 1;
  }
}

/** True when this module is the script node was started with (not when it is imported). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(path.resolve(script)) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * The first Ctrl-C (or SIGTERM) aborts the returned signal so the tool can finish cleanly; a second
 * one exits at once, for when finishing cleanly hangs.
 */
export function abortOnSignals(onStop: (signal: string) => void): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    onStop(name);
    controller.abort(new Error(`stopped by ${name}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Waits until `at` (epoch ms); resolves early, without throwing, when the signal aborts. */
export function sleepUntil(at: number, signal: AbortSignal, now: () => number = Date.now): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, at - now()));
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
