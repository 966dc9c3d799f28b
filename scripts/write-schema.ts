// Regenerates docs/schema/analyze-output.v1.json from the zod contract (npm run schema).
import { writeFileSync } from 'node:fs';
import { reportJsonSchema } from '../src/pipeline/report-schema.js';

writeFileSync(
  new URL('../docs/schema/analyze-output.v1.json', import.meta.url),
  `${JSON.stringify(reportJsonSchema(), null, 2)}\n`,
);
