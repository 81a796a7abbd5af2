import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TenantId, toInboxEvent, type InboxEvent } from '@pulse/events';
import type { Logger } from '@pulse/platform';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { InboxPublisher } from '../../adapters/inbox-publisher.ts';
import { IngestMetrics } from '../../adapters/metrics.ts';
import { WebhookSecrets } from '../../adapters/webhook-secrets.ts';
import { uuidV5 } from '../../domain/deterministic-id.ts';
import { Conflict, InvalidRequest, MalformedBody, UnknownWebhookSource, WebhookUnauthorized } from '../../domain/errors.ts';
import { jsonMediaType, type RawBody } from '../../domain/raw-body.ts';
import { mapFleet } from '../../domain/webhooks/fleet.ts';
import type { MappedEvent } from '../../domain/webhooks/mapped-event.ts';
import { mapSigned } from '../../domain/webhooks/signed.ts';
import { mapTacticalRmm } from '../../domain/webhooks/tacticalrmm.ts';
import { mapWazuh } from '../../domain/webhooks/wazuh.ts';
import { LOGGER } from '../../tokens.ts';

export const webhookSources = ['tacticalrmm', 'wazuh', 'fleet', 'onboarding', 'generic'] as const;
export type WebhookSource = (typeof webhookSources)[number];

/** The header of the shared secret; Fleet's own name is taken too. Node lower-cases header names. */
export const secretHeader = 'x-pulse-webhook-secret';
const fleetSecretHeader = 'x-fleet-secret';

const mappers: Record<WebhookSource, (payload: unknown) => MappedEvent[]> = {
  tacticalrmm: mapTacticalRmm,
  wazuh: mapWazuh,
  fleet: mapFleet,
  onboarding: (p) => mapSigned('onboarding', p),
  generic: (p) => mapSigned('generic', p),
};

export interface WebhookAccepted {
  accepted: number;
  ids: string[];
  types: string[];
}

/**
 * Webhooks: check the secret (constant time) or the Standard Webhooks signature first, then map
 * the source's payload to catalog events and publish them like any other events. Ids are derived
 * from the delivery (its webhook-id, or the body's hash), so a redelivery is stored once.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(WebhookSecrets) private readonly secrets: WebhookSecrets,
    @Inject(InboxPublisher) private readonly inbox: InboxPublisher,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async receive(
    source: string,
    tenant: string,
    headers: Record<string, string | string[] | undefined>,
    body: RawBody | undefined,
  ): Promise<WebhookAccepted> {
    if (!(webhookSources as readonly string[]).includes(source)) throw new UnknownWebhookSource(source);
    const s = source as WebhookSource;
    if (!TenantId.safeParse(tenant).success) throw new WebhookUnauthorized('unknown tenant or wrong secret');
    const text = body?.text ?? '';
    const signed = s === 'onboarding' || s === 'generic';
    let deliveryId: string;
    if (signed) {
      deliveryId = await this.verifySignature(tenant, s, text, headers);
    } else {
      await this.verifySecret(tenant, s, headers);
      deliveryId = createHash('sha256').update(text).digest('base64url');
    }
    const payload = parseJson(body);
    const mapped = mappers[s](payload);
    const receivedAt = new Date().toISOString();
    const events: InboxEvent[] = mapped.map((m, index) => {
      const id = uuidV5(`${tenant}\n${s}\n${deliveryId}\n${index}`);
      const result = toInboxEvent({ id, ...m }, { tenant, receivedAt, newId: () => id });
      if (!result.ok) {
        throw new InvalidRequest(`the ${s} payload maps to an invalid ${m.type} event`, result.issues.map((i) => ({ ...i, path: `${index}.${i.path}` })));
      }
      return result.value;
    });
    if (events.length > 0) await this.inbox.publishAll(tenant, events);
    if (signed) await this.secrets.remember(tenant, s, deliveryId);
    this.metrics.eventsAccepted.inc(events.length);
    return { accepted: events.length, ids: events.map((e) => e.id), types: events.map((e) => e.type) };
  }

  private async verifySecret(tenant: string, source: WebhookSource, headers: Record<string, string | string[] | undefined>): Promise<void> {
    const sent = first(headers[secretHeader]) ?? (source === 'fleet' ? first(headers[fleetSecretHeader]) : undefined);
    const known = sent ? await this.secrets.secrets(tenant, 'header') : [];
    // Hashing first gives equal lengths, so timingSafeEqual compares in constant time; every
    // known secret is compared, so the time says nothing about which one came close.
    const digest = (v: string) => createHash('sha256').update(v).digest();
    let ok = false;
    if (sent) for (const secret of known) ok = timingSafeEqual(digest(sent), digest(secret)) || ok;
    if (!ok) {
      this.log.warn({ tenant, source, secretSent: sent !== undefined }, 'webhook refused: missing or wrong secret');
      throw new WebhookUnauthorized("send the tenant's webhook secret in the X-Pulse-Webhook-Secret header");
    }
  }

  /** Standard Webhooks: any valid secret (rotation), 5-minute tolerance, a webhook-id once. */
  private async verifySignature(
    tenant: string,
    source: WebhookSource,
    text: string,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<string> {
    const h = {
      'webhook-id': first(headers['webhook-id']) ?? '',
      'webhook-timestamp': first(headers['webhook-timestamp']) ?? '',
      'webhook-signature': first(headers['webhook-signature']) ?? '',
    };
    const secrets = await this.secrets.secrets(tenant, 'signing');
    let reason = 'no signing secret is set for this tenant';
    let verified = false;
    for (const secret of secrets) {
      try {
        new Webhook(secret).verify(text, h);
        verified = true;
        break;
      } catch (err) {
        reason = err instanceof WebhookVerificationError ? err.message : 'the secret cannot be used';
      }
    }
    if (!verified) {
      this.log.warn({ tenant, source, reason }, 'webhook refused: signature not verified');
      throw new WebhookUnauthorized(`Standard Webhooks signature not verified: ${reason}`);
    }
    if (await this.secrets.seen(tenant, source, h['webhook-id'])) {
      throw new Conflict(`webhook-id ${h['webhook-id']} was already received; replays are refused`);
    }
    return h['webhook-id'];
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(body: RawBody | undefined): unknown {
  if (!body || body.mediaType !== jsonMediaType || body.text.trim() === '') throw new MalformedBody('send the webhook body as application/json');
  try {
    return JSON.parse(body.text);
  } catch (err) {
    throw new MalformedBody(`the body is not valid JSON: ${(err as Error).message}`);
  }
}
