import { describe, expect, it } from 'vitest';
import { catalog, eventTypes, upcast, UnsupportedSchemaVersion, type EventDefinition } from './catalog.ts';
import { toInboxEvent } from './envelope.ts';
import { toJsonSchemas } from './json-schema.ts';

const ctx = { tenant: 'acme', receivedAt: '2026-11-25T12:00:05.000Z', newId: () => '00000000-0000-4000-8000-000000000001' };

describe('the catalog', () => {
  it.each(eventTypes)('%s: its example is valid and names a stream of the tenant', (type) => {
    const def: EventDefinition = catalog[type];
    expect(def.description.length).toBeGreaterThan(10);
    const r = toInboxEvent({ type, data: def.example }, ctx);
    expect(r.ok ? r.value.stream : r.issues).toMatch(/^[a-z]+-acme\./);
  });

  it('exports a JSON Schema per type and version', () => {
    const schemas = toJsonSchemas();
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['machine.heartbeat.v2', 'machine.heartbeat.v1', 'alert.raised.v1', 'envelope']));
    const hb = schemas['machine.heartbeat.v2'] as { required: string[]; properties: Record<string, unknown> };
    expect(hb.required).toEqual(expect.arrayContaining(['machineId', 'cpuPct']));
    expect(hb.properties.cpuPct).toMatchObject({ type: 'number', minimum: 0, maximum: 100 });
  });
});

describe('upcasting', () => {
  const v1 = { ...catalog['machine.heartbeat'].example, load: 1.5 } as Record<string, unknown>;
  delete v1.load1;

  it('given a version 1 heartbeat, when it is upcast, then load becomes load1', () => {
    const up = upcast('machine.heartbeat', 1, v1);
    expect(up.load1).toBe(1.5);
    expect(up).not.toHaveProperty('load');
  });

  it('accepts a version 1 heartbeat at the edge and stores it as version 2', () => {
    const r = toInboxEvent({ type: 'machine.heartbeat', schemaVersion: 1, data: v1 }, ctx);
    expect(r.ok && [r.value.schemaVersion, r.value.data.load1]).toEqual([2, 1.5]);
  });

  it('refuses a version from the future, naming schemaVersion', () => {
    expect(() => upcast('machine.heartbeat', 3, v1)).toThrow(UnsupportedSchemaVersion);
    const r = toInboxEvent({ type: 'machine.heartbeat', schemaVersion: 3, data: v1 }, ctx);
    expect(!r.ok && r.issues[0]!.path).toBe('schemaVersion');
  });
});

describe('the committed JSON Schemas', () => {
  it('match the zod schemas (run `npm run schemas` after changing an event)', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../schemas/', import.meta.url);
    const onDisk = Object.fromEntries(
      readdirSync(dir).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(f, dir), 'utf8'))]),
    );
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(toJsonSchemas())));
  });
});
