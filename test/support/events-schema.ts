// The NDJSON contract for tests: docs/events-v1.schema.json compiled once (ajv, JSON Schema 2020-12),
// and a reader that checks every line of a run against it, saying which line failed and why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** The schema file as parsed JSON (its `$defs` per line type, `properties.type.enum` the types). */
export const EVENTS_SCHEMA_FILE = JSON.parse(readFileSync(new URL('../../docs/events-v1.schema.json', import.meta.url), 'utf8')) as {
  properties: { type: { enum: string[] } };
  $defs: Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
};

/** Validates one parsed line; `validateEventLine.errors` says why not. */
export const validateEventLine = new Ajv2020({ allErrors: true }).compile(EVENTS_SCHEMA_FILE);

/** One NDJSON line, parsed. */
export type EventLineJson = Record<string, unknown> & { type: string; runId: string };

/** Parses NDJSON text (one chunk or many), checking each line against the schema and that `schema` and `type` come first. */
export function checkedLines(texts: string | string[]): EventLineJson[] {
  return [texts].flat().flatMap((t) => t.split('\n')).filter(Boolean).map((text) => {
    const line = JSON.parse(text) as EventLineJson;
    assert.ok(validateEventLine(line), `${text}\n${JSON.stringify(validateEventLine.errors, null, 1)}`);
    assert.match(text, /^\{"schema":"dockplan\.events\/v1","type":"/, 'schema and type come first');
    return line;
  });
}
