import type { KnownRecordedEvent } from '@pulse/events';

export interface Keyed {
  key: string;
  event: KnownRecordedEvent;
}

export interface KeyedFold<R> {
  rows: Map<string, R>;
  /** Each changed row as it was before the batch (undefined: new) and after it. */
  changed: { key: string; before: R | undefined; after: R }[];
}

/**
 * Folds a batch of events into the rows they touch, one evolve per event in position order.
 * Pure: the input map is left as it was. An evolve that returns the same row (or none) changed nothing.
 */
export function foldKeyed<R>(
  rows: ReadonlyMap<string, R>,
  events: readonly Keyed[],
  evolve: (row: R | undefined, event: KnownRecordedEvent) => R | undefined,
): KeyedFold<R> {
  const next = new Map(rows);
  const touched = new Set<string>();
  for (const { key, event } of events) {
    const before = next.get(key);
    const after = evolve(before, event);
    if (after === before || after === undefined) continue;
    next.set(key, after);
    touched.add(key);
  }
  return {
    rows: next,
    changed: [...touched].map((key) => ({ key, before: rows.get(key), after: next.get(key)! })),
  };
}

/** `tenant` + NUL + id: ids may hold dots and colons, never a NUL. */
export const rowKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;
