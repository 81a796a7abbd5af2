/**
 * `npm run projector -- rebuild <projection…|all> [--batch N]`: rebuilds read models into shadow
 * tables and swaps them in atomically while the live projector keeps serving (see rebuild.ts).
 */
import { z } from 'zod';
import { PostgresEventStore } from '@pulse/eventstore';
import { CommonSettings, createSql, loadSettings, runMain, SettingsError } from '@pulse/platform';
import { readModel, readModels } from './projections/read-models.ts';
import { rebuild } from './rebuild/rebuild.ts';

const usage = `usage: npm run projector -- rebuild <${readModels.map((p) => p.name).join('|')}|all>… [--batch N]`;

await runMain(async () => {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'rebuild') throw new SettingsError(usage);
  const batchFlag = rest.indexOf('--batch');
  const batchSize =
    batchFlag >= 0
      ? z.coerce
          .number()
          .int()
          .min(100)
          .max(50_000)
          .parse(rest[batchFlag + 1])
      : undefined; // the rebuild's own default
  const names = rest.filter((a, i) => !a.startsWith('--') && (batchFlag < 0 || i !== batchFlag + 1));
  if (names.length === 0) throw new SettingsError(usage);
  const projections = names.includes('all')
    ? [...readModels]
    : names.map(
        (n) =>
          readModel(n) ??
          (() => {
            throw new SettingsError(`unknown projection "${n}"\n${usage}`);
          })(),
      );

  const { DATABASE_URL } = loadSettings(CommonSettings);
  const sql = createSql(DATABASE_URL, { max: projections.length + 3, name: 'pulse-rebuild' });
  try {
    const label = projections.map((p) => p.name).join(', ');
    console.log(`rebuilding ${label} into shadow tables; the live read models keep serving`);
    const result = await rebuild({
      sql,
      store: new PostgresEventStore(sql),
      projections,
      databaseUrl: DATABASE_URL,
      batchSize,
      onProgress: (p) => {
        const pct = p.head ? Math.min(100, Math.floor((p.position / p.head) * 100)) : 100;
        console.log(
          `  ${p.phase}: ${p.events.toLocaleString('en')} events, position ${p.position} of ${p.head} (${pct}%), ${p.eventsPerSecond.toLocaleString('en')} events/s`,
        );
      },
    });
    console.log(
      `rebuilt ${label}: ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s ` +
        `(${result.eventsPerSecond.toLocaleString('en')} events/s), swapped in at position ${result.position}`,
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
});
