/** `vigil demo`: writes a small sample network and analyses it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSample } from '../simulate/sample.js';
import { analyze } from './analyze.js';

export async function runDemo(out?: string): Promise<number> {
  const dir = out ?? mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  const sample = writeSample(dir);
  process.stderr.write(`vigil demo: wrote ${sample.records} sample records to ${dir}\n`);
  return analyze([dir], {
    format: 'table',
    quiet: false,
    quarantine: join(dir, 'quarantine'),
    reorderWindow: 60,
    maxLineBytes: 16 * 1024 * 1024,
  });
}
