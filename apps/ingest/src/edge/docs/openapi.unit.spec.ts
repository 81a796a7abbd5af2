import { describe, expect, it } from 'vitest';
import { eventTypes } from '@pulse/events';
import { openApiDocument } from './openapi.ts';

describe('openApiDocument', () => {
  it('documents every path and every event type from the zod schemas', () => {
    const doc = openApiDocument() as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: object }> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/machines/register', '/v1/machines/heartbeat', '/v1/webhooks/{source}/{tenant}']));
    for (const type of eventTypes) expect(doc.components.schemas[`${type}.data`]).toBeDefined();
    expect(doc.components.schemas.ClientEvent!.properties).toHaveProperty('type');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
