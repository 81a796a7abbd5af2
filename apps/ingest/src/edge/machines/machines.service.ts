import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { newEventId, toInboxEvent, type InboxEvent } from '@pulse/events';
import type { z } from 'zod';
import { InboxPublisher } from '../../adapters/inbox-publisher.ts';
import { MachineTokens } from '../../adapters/machine-tokens.ts';
import {
  Conflict,
  InvalidRequest,
  MachineTokenRefused,
  MalformedBody,
  UnknownProvisioningSecret,
} from '../../domain/errors.ts';
import { jsonMediaType, type RawBody } from '../../domain/raw-body.ts';
import {
  MachineHeartbeatRequest,
  RegisterMachineRequest,
  type MachineHeartbeatResponse,
  type RegisterMachineResponse,
} from './machine.schemas.ts';

/**
 * Machine registration and token use. The credential is checked first; every fact goes through
 * the inbox like any other event (`machine.registered`, `machine.token_rotated`,
 * `machine.heartbeat`), so the store, the read models and the DLQ treat them alike.
 */
@Injectable()
export class MachinesService {
  constructor(
    @Inject(MachineTokens) private readonly tokens: MachineTokens,
    @Inject(InboxPublisher) private readonly inbox: InboxPublisher,
  ) {}

  async register(secret: string | undefined, body: RawBody | undefined): Promise<RegisterMachineResponse> {
    const tenant = secret ? await this.tokens.tenantForProvisioningSecret(secret) : undefined;
    if (!tenant) throw new UnknownProvisioningSecret();
    const { fingerprint, ...request } = parseRequest(body, RegisterMachineRequest);
    const machineId = request.machineId ?? `m-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 16)}`;
    const holder = await this.tokens.activeFor(tenant, machineId);
    if (holder && holder.fingerprint !== fingerprint) {
      throw new Conflict(`machine id ${machineId} is registered to another machine (fingerprint differs); choose another id`);
    }
    const issued = await this.tokens.issue(tenant, machineId, fingerprint);
    const event = holder
      ? { type: 'machine.token_rotated', data: { machineId, tokenId: issued.tokenId, expiresAt: issued.expiresAt } }
      : { type: 'machine.registered', data: { ...request, machineId } };
    await this.publish(tenant, { ...event, source: `agent:${machineId}` });
    return { machineId, ...issued, registered: !holder };
  }

  /** A new token for the machine holding this one; the old one is refused from now on. */
  async rotate(token: string | undefined): Promise<RegisterMachineResponse> {
    const who = await this.authenticate(token);
    const issued = await this.tokens.issue(who.tenant, who.machineId, who.fingerprint);
    await this.publish(who.tenant, {
      type: 'machine.token_rotated',
      source: `agent:${who.machineId}`,
      data: { machineId: who.machineId, tokenId: issued.tokenId, expiresAt: issued.expiresAt },
    });
    return { machineId: who.machineId, ...issued, registered: false };
  }

  async heartbeat(token: string | undefined, body: RawBody | undefined): Promise<MachineHeartbeatResponse> {
    const who = await this.authenticate(token);
    const { id, occurredAt, machineId, ...data } = parseRequest(body, MachineHeartbeatRequest);
    if (machineId !== undefined && machineId !== who.machineId) {
      throw new InvalidRequest('the heartbeat names another machine than its token', [
        { path: 'machineId', message: `the token belongs to ${who.machineId}` },
      ]);
    }
    const event = await this.publish(who.tenant, {
      ...(id && { id }),
      ...(occurredAt && { occurredAt }),
      type: 'machine.heartbeat',
      source: `agent:${who.machineId}`,
      data: { ...data, machineId: who.machineId },
    });
    return { id: event.id, machineId: who.machineId, tokenExpiresAt: who.expiresAt };
  }

  private async authenticate(token: string | undefined) {
    if (!token) throw new MachineTokenRefused('missing');
    const who = await this.tokens.verifyAndRenew(token);
    if ('refused' in who) throw new MachineTokenRefused(who.refused);
    return who;
  }

  private async publish(tenant: string, event: Record<string, unknown>): Promise<InboxEvent> {
    const result = toInboxEvent(event, { tenant, receivedAt: new Date().toISOString(), newId: newEventId });
    if (!result.ok) throw new InvalidRequest('the request does not make a valid event', result.issues);
    await this.inbox.publishAll(tenant, [result.value]);
    return result.value;
  }
}

function parseRequest<S extends z.ZodType>(body: RawBody | undefined, schema: S): z.infer<S> {
  if (!body || body.mediaType !== jsonMediaType || body.text.trim() === '') {
    throw new MalformedBody('send one JSON object as application/json');
  }
  let value: unknown;
  try {
    value = JSON.parse(body.text);
  } catch (err) {
    throw new MalformedBody(`the body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidRequest(
      'the request is invalid',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
    );
  }
  return parsed.data;
}
