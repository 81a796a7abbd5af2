import { tenantForIngestKey, type Sql } from '@pulse/platform';
import { DependencyUnavailable } from '../../domain/errors.ts';

/**
 * Resolves ingest keys to tenants. A verified key is trusted for `ttlMs` without asking the
 * database again (a busy agent sends many requests a second); an unknown key is never cached,
 * so a key added a moment ago works at once. A revoked key stops working within `ttlMs`.
 */
export class IngestKeys {
  private readonly cache = new Map<string, { tenant: string; expiresAt: number }>();

  constructor(
    private readonly sql: Sql,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  async tenantFor(key: string): Promise<string | undefined> {
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.tenant;
    let tenant: string | undefined;
    try {
      tenant = await tenantForIngestKey(this.sql, key);
    } catch (err) {
      throw new DependencyUnavailable('postgres', `cannot check the ingest key (${(err as Error).message})`);
    }
    if (tenant === undefined) {
      this.cache.delete(key);
      return undefined;
    }
    // A crude bound: clearing all is rare and only costs one lookup per live key.
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(key, { tenant, expiresAt: this.now() + this.ttlMs });
    return tenant;
  }
}
