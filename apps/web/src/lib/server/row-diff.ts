import { isDeepStrictEqual } from 'node:util';
import type { RowPatches } from '../live/row-patches.ts';

type Row = Record<string, unknown>;

/**
 * The fields whose values differ from `prev` to `next`, or undefined when a field of `prev` is
 * gone from `next` (a patch only sets fields, so such a row must be sent whole).
 */
export function changedFields(prevRow: object, nextRow: object): string[] | undefined {
  const prev = prevRow as Row;
  const next = nextRow as Row;
  const changed: string[] = [];
  for (const field in prev) if (!(field in next)) return undefined;
  for (const field in next) {
    const a = prev[field];
    const b = next[field];
    if (a === b) continue;
    // Nested values (signals, tags, labels, inventory) are compared by value, and sent whole.
    if (typeof a === 'object' && typeof b === 'object' && isDeepStrictEqual(a, b)) continue;
    changed.push(field);
  }
  return changed;
}

/** Groups changed rows by the set of fields that changed, in first-seen order (see RowPatches). */
export function encodePatches(
  changes: Iterable<{ key: string; row: object; fields: readonly string[] }>,
): RowPatches[] {
  const groups = new Map<string, RowPatches>();
  for (const { key, row, fields } of changes) {
    const signature = fields.join('\u0000');
    let group = groups.get(signature);
    if (!group) {
      group = { fields: [...fields], keys: [], values: [] };
      groups.set(signature, group);
    }
    group.keys.push(key);
    group.values.push(fields.map((f) => (row as Row)[f]));
  }
  return [...groups.values()];
}
