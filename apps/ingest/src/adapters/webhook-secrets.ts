import type { Sql } from '@pulse/platform';
import { DependencyUnavailable } from '../domain/errors.ts';

export type WebhookSecretKind = 'header' | 'signing';

/** The repository of webhook secrets and seen Standard Webhooks deliveries; all their SQL. */
export class WebhookSecrets {
  constructor(private readonly sql: Sql) {}

  /** Every valid secret of a kind: several during a rotation. */
  async secrets(tenant: string, kind: WebhookSecretKind): Promise<string[]> {
    const rows = await this.q(
      () => this.sql<{ secret: string }[]>`
        SELECT secret FROM webhook_secrets WHERE tenant_id = ${tenant} AND kind = ${kind} AND revoked_at IS NULL`,
    );
    return rows.map((r) => r.secret);
  }

  async seen(tenant: string, source: string, webhookId: string): Promise<boolean> {
    const rows = await this.q(
      () => this.sql`
        SELECT 1 FROM webhook_deliveries WHERE tenant_id = ${tenant} AND source = ${source} AND webhook_id = ${webhookId}`,
    );
    return rows.length > 0;
  }

  /** Remembers a delivery past the signature tolerance, and forgets ones older than that. */
  async remember(tenant: string, source: string, webhookId: string): Promise<void> {
    await this.q(async () => {
      await this.sql`
        INSERT INTO webhook_deliveries (tenant_id, source, webhook_id) VALUES (${tenant}, ${source}, ${webhookId})
        ON CONFLICT DO NOTHING`;
      if (Math.random() < 0.01) await this.sql`DELETE FROM webhook_deliveries WHERE received_at < now() - interval '1 hour'`;
    });
  }

  private async q<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new DependencyUnavailable('postgres', `cannot check webhook secrets (${(err as Error).message})`);
    }
  }
}

/** Adds a webhook secret for a tenant (scripts and tests; idempotent). */
export async function addWebhookSecret(sql: Sql, tenant: string, kind: WebhookSecretKind, secret: string, label = ''): Promise<void> {
  await sql`INSERT INTO webhook_secrets (tenant_id, kind, secret, label) VALUES (${tenant}, ${kind}, ${secret}, ${label})
            ON CONFLICT (tenant_id, kind, secret) DO UPDATE SET revoked_at = NULL`;
}
