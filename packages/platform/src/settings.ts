import { z } from 'zod';

/** Settings every process shares. Each app extends this with its own and validates at start. */
export const CommonSettings = z.object({
  DATABASE_URL: z
    .string()
    .default('postgres://postgres@127.0.0.1:5432/pulse')
    .refine((v) => {
      try {
        return ['postgres:', 'postgresql:'].includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, 'must be a postgres:// URL, e.g. postgres://user@127.0.0.1:5432/pulse'),
  NATS_URL: z
    .string()
    .default('nats://127.0.0.1:4222')
    .refine((v) => v.split(',').every((u) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(u.trim()) || /^[\w.-]+:\d+$/.test(u.trim())), 'must be nats://host:port (comma-separated for a cluster)'),
  NATS_PREFIX: z.string().regex(/^[a-z0-9_]*$/, 'lowercase letters, digits and _ only').default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/**
 * Validates process settings. A bad one stops start-up with a message that names it, never a
 * stack trace from deep inside a driver.
 */
export function loadSettings<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(settings)'}: ${i.message}`);
  throw new SettingsError(`Invalid settings:\n${lines.join('\n')}`);
}

/** Runs `main`, turning a SettingsError into one clear line on stderr and exit code 2. */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  }
}
