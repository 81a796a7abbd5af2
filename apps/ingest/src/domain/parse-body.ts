import { MalformedBody } from './errors.ts';
import { jsonMediaType, type RawBody } from './raw-body.ts';

/**
 * Splits a request body into the items the client sent, unvalidated: a JSON object is one
 * event, a JSON array is many, and NDJSON is one event per non-blank line.
 */
export function parseBody(body: RawBody | undefined): unknown[] {
  if (!body || body.text.trim() === '')
    throw new MalformedBody('the request has no body; send one event or an array of events');
  return body.mediaType === jsonMediaType ? parseJson(body.text) : parseNdjson(body.text);
}

function parseJson(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MalformedBody(`the body is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return [value];
  throw new MalformedBody('the body must be one event object or an array of event objects');
}

/** `index` counts events, not lines: blank lines (such as a trailing newline) are skipped. */
export function parseNdjson(text: string): unknown[] {
  const items: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (err) {
      const message = `not valid JSON: ${(err as Error).message}`;
      throw new MalformedBody(`line ${i + 1} (event ${items.length}) is ${message}`, [
        { index: items.length, path: '(root)', message },
      ]);
    }
  }
  return items;
}
