/** `npm run schemas`: writes packages/events/schemas/<type>.v<n>.json for every event type. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { toJsonSchemas } from '../src/json-schema.ts';

const dir = path.resolve(import.meta.dirname, '../schemas');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const schemas = toJsonSchemas();
for (const [name, schema] of Object.entries(schemas)) {
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(schema, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(schemas).length} JSON Schemas to ${path.relative(process.cwd(), dir)}/`);
