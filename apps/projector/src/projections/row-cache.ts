/**
 * Rows of one live read-model table as the last committed batch left them, kept by the active
 * projector so a batch loads only the rows it has not seen. It is sound because the projector is
 * the tables' only writer while it holds its checkpoints (advisory lock + checkpoint claim): the
 * runner clears every cache when anyone else may have written (a moved checkpoint, a rebuild's
 * swap, a failed batch). Rows are never mutated (evolve is pure), so sharing them is safe.
 */
export class RowCache<R> {
  private rows = new Map<string, R>();
  private staged = new Map<string, R>();

  /** `max`: past this many rows the cache starts afresh (telemetry buckets keep coming). */
  constructor(private readonly max = 200_000) {}

  get size(): number {
    return this.rows.size;
  }

  /** The committed row for a key, if known. */
  get(key: string): R | undefined {
    return this.rows.get(key);
  }

  /** Remembers a row the batch in hand loaded or wrote; it counts only once the batch commits. */
  stage(key: string, row: R): void {
    this.staged.set(key, row);
  }

  /** The batch committed: its rows are now what the table holds. */
  commit(): void {
    if (this.rows.size + this.staged.size > this.max) this.rows = new Map();
    for (const [key, row] of this.staged) this.rows.set(key, row);
    this.staged = new Map();
  }

  /** Someone else may have written the table, or the batch rolled back: forget everything. */
  clear(): void {
    this.rows = new Map();
    this.staged = new Map();
  }
}

/** A projection's caches, one per logical table, made on first use. */
export class ProjectionCache {
  private readonly tables = new Map<string, RowCache<unknown>>();

  table<R>(name: string): RowCache<R> {
    let cache = this.tables.get(name);
    if (!cache) this.tables.set(name, (cache = new RowCache()));
    return cache as RowCache<R>;
  }

  commit(): void {
    for (const c of this.tables.values()) c.commit();
  }

  clear(): void {
    for (const c of this.tables.values()) c.clear();
  }
}

/**
 * The rows for `refs` (keyed): cached ones from memory, the rest loaded in one query and staged.
 * Without a cache (a rebuild's swap, tests) it simply loads them all.
 */
export async function loadThrough<K, R>(
  cache: RowCache<R> | undefined,
  refs: ReadonlyMap<string, K>,
  load: (missing: K[]) => Promise<Map<string, R>>,
): Promise<Map<string, R>> {
  if (!cache) return refs.size === 0 ? new Map() : load([...refs.values()]);
  const found = new Map<string, R>();
  const missing: K[] = [];
  for (const [key, ref] of refs) {
    const row = cache.get(key);
    if (row === undefined) missing.push(ref);
    else found.set(key, row);
  }
  if (missing.length === 0) return found;
  for (const [key, row] of await load(missing)) {
    found.set(key, row);
    cache.stage(key, row);
  }
  return found;
}
