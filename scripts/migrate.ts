/** `npm run migrate`: applies pending migrations to DATABASE_URL (default: the local `pulse` database). */
import { CommonSettings, loadSettings, migrate, runMain } from '@pulse/platform';

await runMain(async () => {
  const { DATABASE_URL } = loadSettings(CommonSettings);
  const applied = await migrate(DATABASE_URL, console.log);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
});
