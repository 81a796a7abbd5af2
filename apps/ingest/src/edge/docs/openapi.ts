import { z } from 'zod';
import { catalog, ClientEvent, eventTypes, type EventDefinition } from '@pulse/events';
import { MachineHeartbeatRequest, RegisterMachineRequest } from '../machines/machine.schemas.ts';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

const problem = {
  description: 'RFC 9457 problem details',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

/**
 * The ingest API's OpenAPI 3.1 document, generated from the same zod schemas the edge validates
 * with (OpenAPI 3.1 schemas are JSON Schema 2020-12), so it cannot drift from what is enforced.
 */
export function openApiDocument(): Record<string, unknown> {
  const eventSchemas: Record<string, unknown> = {};
  for (const type of eventTypes) {
    const def: EventDefinition = catalog[type];
    eventSchemas[`${type}.data`] = { ...schema(def.data), description: def.description, examples: [def.example] };
  }
  const events = {
    oneOf: [
      { $ref: '#/components/schemas/ClientEvent' },
      { type: 'array', items: { $ref: '#/components/schemas/ClientEvent' }, maxItems: 5000 },
    ],
  };
  const bearer = [{ bearer: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pulse ingest API',
      version: '1',
      description:
        'Events, machine registration and webhooks. Every error is RFC 9457 problem+json. A request of events is all or nothing: one invalid event rejects the whole request (422, each problem with its index and field), and nothing of it is published.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Tenant ingest key, provisioning secret or machine token, per operation.' } },
      schemas: {
        ClientEvent: { ...schema(ClientEvent), description: '`data` must match the schema of its `type` (see `<type>.data`).' },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        RegisterMachineRequest: schema(RegisterMachineRequest),
        MachineHeartbeatRequest: schema(MachineHeartbeatRequest),
        ...eventSchemas,
      },
    },
    paths: {
      '/v1/events': {
        post: {
          summary: 'Send events (JSON object, JSON array or NDJSON)',
          security: bearer,
          parameters: [
            { name: 'wait', in: 'query', schema: { enum: ['commit'] }, description: 'Answer 201 with global positions once the event store has committed every event.' },
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 }, description: 'Derives deterministic ids for events sent without one.' },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: events },
              'application/x-ndjson': { schema: { type: 'string', description: 'One ClientEvent per line.' } },
            },
          },
          responses: {
            '201': { description: 'Committed to the event store; each result carries its global position.' },
            '202': { description: 'Stored by JetStream; the recorder commits it to the event store shortly.' },
            '400': problem, '401': problem, '413': problem, '415': problem, '422': problem,
            '429': { ...problem, description: 'Backpressure or the tenant rate limit; see Retry-After.' },
            '503': problem, '504': problem,
          },
        },
      },
      '/v1/machines/register': {
        post: {
          summary: 'Register a machine with the tenant provisioning secret; returns its token once',
          security: bearer,
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/RegisterMachineRequest' } } } },
          responses: { '201': { description: 'Machine id, token, token id, expiry.' }, '401': problem, '409': problem, '422': problem, '503': problem },
        },
      },
      '/v1/machines/heartbeat': {
        post: {
          summary: 'A heartbeat with the machine token; renews the token TTL',
          security: bearer,
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/MachineHeartbeatRequest' } } } },
          responses: { '202': { description: 'Accepted.' }, '401': { ...problem, description: 'reason: missing, unknown, expired or revoked' }, '422': problem, '503': problem },
        },
      },
      '/v1/machines/rotate': {
        post: { summary: 'Replace the machine token', security: bearer, responses: { '201': { description: 'The new token.' }, '401': problem } },
      },
      '/v1/webhooks/{source}/{tenant}': {
        post: {
          summary: 'Webhooks from Tactical RMM, Wazuh, FleetDM (X-Pulse-Webhook-Secret) and Standard Webhooks senders (onboarding, generic)',
          parameters: [
            { name: 'source', in: 'path', required: true, schema: { enum: ['tacticalrmm', 'wazuh', 'fleet', 'onboarding', 'generic'] } },
            { name: 'tenant', in: 'path', required: true, schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: {} } } },
          responses: { '202': { description: 'Mapped to catalog events and accepted.' }, '401': problem, '404': problem, '409': { ...problem, description: 'A Standard Webhooks replay.' }, '422': problem },
        },
      },
      '/healthz': { get: { summary: 'Alive', responses: { '200': { description: 'ok' } } } },
      '/readyz': { get: { summary: 'NATS and PostgreSQL reachable', responses: { '200': { description: 'ready' }, '503': problem } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    },
  };
}
