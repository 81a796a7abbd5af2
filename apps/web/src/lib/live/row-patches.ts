import type { ViewName, ViewRows } from '@pulse/events';

type Row = Record<string, unknown>;

/**
 * Changed fields of rows a client already has, in a compact columnar form: rows whose same fields
 * changed (every heartbeat changes the same few) share one list of field names, and each row is
 * its key and its new values in that order. `values[i][j]` is the new value of `fields[j]` in the
 * row keyed `keys[i]`; every other field of that row is unchanged.
 */
export interface RowPatches {
  fields: string[];
  keys: string[];
  values: unknown[][];
}

/** A patch arrived for a row the client does not have: its rows are not what the server assumed. */
export class PatchBaseMissing extends Error {
  constructor(readonly key: string) {
    super(`a patch for row ${JSON.stringify(key)}, which this client does not have`);
  }
}

/**
 * Applies patches to rows by key (copying each row it changes: the rows map is the caller's fresh
 * copy, the row objects may be shared). Throws PatchBaseMissing for a key it does not hold.
 */
export function applyRowPatches<V extends ViewName>(
  rows: Map<string, ViewRows[V]>,
  patches: readonly RowPatches[],
): void {
  for (const { fields, keys, values } of patches) {
    for (const [i, key] of keys.entries()) {
      const old = rows.get(key);
      if (!old) throw new PatchBaseMissing(key);
      const next: Row = { ...(old as object) };
      const vals = values[i]!;
      for (const [j, field] of fields.entries()) next[field] = vals[j];
      rows.set(key, next as unknown as ViewRows[V]);
    }
  }
}

/** How many rows some patches change (for buffers that bound what they keep by rows). */
export function patchedRows(patches: readonly RowPatches[] | undefined): number {
  let n = 0;
  for (const p of patches ?? []) n += p.keys.length;
  return n;
}
