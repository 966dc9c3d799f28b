/** `simulate()` end to end: build the scenario, write the Zeek log directory and `truth.json`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ScenarioName, type SimOptions, simulate } from './scenario.js';
import { buildTruth, type Truth } from './truth.js';
import { LogDirWriter, type SimFormat, type WrittenLog } from './writer.js';

export interface SimulateResult {
  readonly dir: string;
  readonly logs: readonly WrittenLog[];
  readonly records: number;
  readonly truth: Truth;
}

export function simulateToDir(
  scenario: ScenarioName,
  dir: string,
  options: SimOptions & { format?: SimFormat },
): SimulateResult {
  mkdirSync(dir, { recursive: true });
  let writer: LogDirWriter | undefined;
  const sim = simulate(scenario, options, (window) => {
    const w = new LogDirWriter(dir, options.format ?? 'tsv', window);
    writer = w;
    return (slice) => w.append(slice);
  });
  const logs = writer ? writer.close() : [];
  const truth = buildTruth(sim);
  writeFileSync(join(dir, 'truth.json'), `${JSON.stringify(truth, null, 1)}\n`);
  return { dir, logs, records: sim.sink.count(), truth };
}

export { SCENARIOS, type ScenarioName, type SimOptions } from './scenario.js';
export type { SimFormat } from './writer.js';
