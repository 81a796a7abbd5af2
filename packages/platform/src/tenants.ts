import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './db.ts';

/** Ingest keys are stored only as SHA-256 hashes; the plain key is shown once, when created. */
export function hashIngestKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateIngestKey(tenant: string): string {
  return `pk_${tenant}_${randomBytes(24).toString('base64url')}`;
}

export async function upsertTenant(sql: Sql, tenant: { id: string; name: string }): Promise<void> {
  await sql`INSERT INTO tenants (id, name) VALUES (${tenant.id}, ${tenant.name})
            ON CONFLICT (id) DO UPDATE SET name = excluded.name`;
}

/** Adds a key for a tenant (idempotent: the same key twice is one row). */
export async function addIngestKey(sql: Sql, tenantId: string, key: string, label: string): Promise<void> {
  await sql`INSERT INTO ingest_keys (key_hash, tenant_id, label) VALUES (${hashIngestKey(key)}, ${tenantId}, ${label})
            ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL`;
}

/** The tenant a key belongs to, or undefined when the key is unknown or revoked. */
export async function tenantForIngestKey(sql: Sql, key: string): Promise<string | undefined> {
  const [row] = await sql<{ tenant_id: string }[]>`
    SELECT tenant_id FROM ingest_keys WHERE key_hash = ${hashIngestKey(key)} AND revoked_at IS NULL`;
  return row?.tenant_id;
}
