import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '@pulse/platform';
import { DependencyUnavailable } from '../domain/errors.ts';

export type RefusalReason = 'unknown' | 'expired' | 'revoked';

export interface MachineIdentity {
  tenant: string;
  machineId: string;
  tokenId: string;
  fingerprint: string;
  expiresAt: string;
}

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresAt: string;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * The repository of provisioning secrets and machine tokens; all their SQL is here. Tokens are
 * `mt_<token id>_<secret>`, shown once; only the SHA-256 of the whole token is stored.
 */
export class MachineTokens {
  constructor(
    private readonly sql: Sql,
    private readonly ttlS: number,
  ) {}

  async tenantForProvisioningSecret(secret: string): Promise<string | undefined> {
    const [row] = await this.q(
      () => this.sql<{ tenant_id: string }[]>`
        SELECT tenant_id FROM provisioning_secrets WHERE secret_hash = ${hash(secret)} AND revoked_at IS NULL`,
    );
    return row?.tenant_id;
  }

  /** The machine's current token holder, if any, to tell a re-registration from a clash. */
  async activeFor(tenant: string, machineId: string): Promise<{ fingerprint: string } | undefined> {
    const [row] = await this.q(
      () => this.sql<{ fingerprint: string }[]>`
        SELECT fingerprint FROM machine_tokens
        WHERE tenant_id = ${tenant} AND machine_id = ${machineId} AND revoked_at IS NULL
        ORDER BY created_at DESC LIMIT 1`,
    );
    return row;
  }

  /** Issues a new token and revokes every other token of the machine (reason `rotated`). */
  async issue(tenant: string, machineId: string, fingerprint: string): Promise<IssuedToken> {
    const tokenId = `tok_${randomBytes(6).toString('hex')}`;
    const token = `mt_${tokenId}_${randomBytes(24).toString('base64url')}`;
    const [row] = await this.q(() =>
      this.sql.begin(async (sql) => {
        await sql`UPDATE machine_tokens SET revoked_at = now(), revoked_reason = 'rotated'
                  WHERE tenant_id = ${tenant} AND machine_id = ${machineId} AND revoked_at IS NULL`;
        return sql<{ expires_at: Date }[]>`
          INSERT INTO machine_tokens (token_id, token_hash, tenant_id, machine_id, fingerprint, expires_at)
          VALUES (${tokenId}, ${hash(token)}, ${tenant}, ${machineId}, ${fingerprint},
                  now() + make_interval(secs => ${this.ttlS}))
          RETURNING expires_at`;
      }),
    );
    return { token, tokenId, expiresAt: row!.expires_at.toISOString() };
  }

  /** The token's machine, or why it is refused. A valid token's TTL starts again (renew). */
  async verifyAndRenew(token: string): Promise<MachineIdentity | { refused: RefusalReason }> {
    const [row] = await this.q(
      () => this.sql<
        { tenant_id: string; machine_id: string; token_id: string; fingerprint: string; expires_at: Date; revoked_at: Date | null; revoked_reason: string | null; expired: boolean }[]
      >`
        WITH t AS (SELECT * FROM machine_tokens WHERE token_hash = ${hash(token)}),
        renewed AS (
          UPDATE machine_tokens m SET expires_at = now() + make_interval(secs => ${this.ttlS}), last_seen_at = now()
          FROM t WHERE m.token_id = t.token_id AND t.revoked_at IS NULL AND t.expires_at > now()
          RETURNING m.token_id, m.expires_at)
        SELECT t.tenant_id, t.machine_id, t.token_id, t.fingerprint, t.revoked_at, t.revoked_reason,
               coalesce(renewed.expires_at, t.expires_at) AS expires_at, t.expires_at <= now() AS expired
        FROM t LEFT JOIN renewed USING (token_id)`,
    );
    if (!row) return { refused: 'unknown' };
    if (row.revoked_at) return { refused: 'revoked' };
    if (row.expired) return { refused: 'expired' };
    return {
      tenant: row.tenant_id,
      machineId: row.machine_id,
      tokenId: row.token_id,
      fingerprint: row.fingerprint,
      expiresAt: row.expires_at.toISOString(),
    };
  }

  private async q<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new DependencyUnavailable('postgres', `cannot check machine credentials (${(err as Error).message})`);
    }
  }
}

/** Adds a provisioning secret for a tenant (scripts and tests; idempotent). */
export async function addProvisioningSecret(sql: Sql, tenant: string, secret: string, label: string): Promise<void> {
  await sql`INSERT INTO provisioning_secrets (secret_hash, tenant_id, label) VALUES (${hash(secret)}, ${tenant}, ${label})
            ON CONFLICT (secret_hash) DO UPDATE SET revoked_at = NULL`;
}
