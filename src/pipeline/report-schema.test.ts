import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { reportJsonSchema } from './report-schema.js';

test('the checked-in JSON Schema is the one the code generates (run `npm run schema` after a change)', () => {
  const file = JSON.parse(
    readFileSync(new URL('../../docs/schema/analyze-output.v1.json', import.meta.url), 'utf8'),
  );
  assert.deepEqual(file, JSON.parse(JSON.stringify(reportJsonSchema())));
});
