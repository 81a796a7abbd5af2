import { z } from 'zod';
import { catalog, eventTypes, type EventDefinition } from './catalog.ts';
import { ClientEvent } from './envelope.ts';

/**
 * JSON Schemas for the client envelope and every event type's data, current and previous versions,
 * keyed `<type>.v<version>`, so agents in any language can validate before they send.
 */
export function toJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {
    envelope: { ...z.toJSONSchema(ClientEvent, { io: 'input', unrepresentable: 'any' }), title: 'Pulse event (what a client sends)' },
  };
  for (const type of eventTypes) {
    const def: EventDefinition = catalog[type];
    const versions: [number, z.ZodType][] = [[def.version, def.data], ...Object.entries(def.previous ?? {}).map(([v, s]) => [Number(v), s] as [number, z.ZodType])];
    for (const [version, schema] of versions) {
      out[`${type}.v${version}`] = {
        ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
        title: `${type} data, schemaVersion ${version}`,
        description: def.description,
        ...(version === def.version && { examples: [def.example] }),
      };
    }
  }
  return out;
}
