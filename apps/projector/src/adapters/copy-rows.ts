import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TransactionSql } from 'postgres';

/** A value as COPY's text format wants it: `\N` for null, text with its four special characters escaped. */
function cell(v: string | number | null): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : v;
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Writes rows with `COPY … FROM STDIN` (text format) in the caller's transaction: for rows known
 * to be new in a table no one else writes (a rebuild's shadow), COPY costs PostgreSQL about half
 * of a multi-row upsert and the client far less than postgres.js's array parameters.
 * Values are text (times as ISO 8601), numbers or null.
 */
export async function copyRows<R>(
  tx: TransactionSql,
  table: string,
  columns: readonly string[],
  rows: readonly R[],
  values: (row: R) => (string | number | null)[],
  chunkRows = 2000,
): Promise<void> {
  if (rows.length === 0) return;
  const lines = function* () {
    for (let i = 0; i < rows.length; i += chunkRows) {
      let chunk = '';
      for (const row of rows.slice(i, i + chunkRows)) chunk += values(row).map(cell).join('\t') + '\n';
      yield chunk;
    }
  };
  const copy = await tx`COPY ${tx(table)} (${tx(columns as string[])}) FROM STDIN`.writable();
  await pipeline(Readable.from(lines()), copy);
}
