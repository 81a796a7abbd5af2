/**
 * `npm run dlq -- list [--tenant <id>] [--limit <n>] [--json]`
 * `npm run dlq -- replay [--tenant <id>] [--seq <n>]... `
 *
 * Inspects and re-drives the dead-letter stream OPS_DLQ. Replay publishes a letter's original
 * bytes to the inbox again (the recorder validates them again: still bad → dead-lettered again
 * with the reason) and removes it from the DLQ. NATS_URL and NATS_PREFIX as for the services.
 */
import { parseArgs } from 'node:util';
import { busNames } from '@pulse/events';
import { CommonSettings, connectNats, loadSettings, runMain } from '@pulse/platform';
import { DeadLetterAdmin } from './adapters/dead-letter-admin.ts';

await runMain(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      limit: { type: 'string', default: '100' },
      seq: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if (command !== 'list' && command !== 'replay') {
    console.error('usage: npm run dlq -- list [--tenant <id>] [--limit <n>] [--json] | replay [--tenant <id>] [--seq <n>]...');
    process.exit(2);
  }
  const settings = loadSettings(CommonSettings);
  const nc = await connectNats(settings.NATS_URL, 'pulse-dlq');
  try {
    const admin = await DeadLetterAdmin.connect(nc, busNames(settings.NATS_PREFIX));
    if (command === 'list') {
      const letters = await admin.list({ ...(values.tenant && { tenant: values.tenant }), limit: Number(values.limit) });
      if (values.json) console.log(JSON.stringify(letters, null, 2));
      else if (letters.length === 0) console.log('the dead-letter stream is empty');
      else for (const l of letters) console.log(`#${l.seq} ${l.time} ${l.tenant} ${l.originalSubject}${l.item ? ` item ${l.item}` : ''}\n    ${l.reason}\n    ${l.preview}`);
    } else {
      const seqs = values.seq?.map(Number);
      const result = await admin.replay({ ...(values.tenant && { tenant: values.tenant }), ...(seqs && { seqs }) });
      console.log(`replayed ${result.replayed} dead letter(s) to the inbox`);
    }
  } finally {
    await nc.drain();
  }
});
