/** `vigil simulate <scenario> --out DIR`: writes a simulated Zeek log directory and `truth.json`. */
import { SCENARIOS, type ScenarioName, type SimFormat, simulateToDir } from '../simulate/index.js';

export interface SimulateCliOptions {
  readonly out: string;
  readonly seed: number;
  readonly format: SimFormat;
  readonly hosts?: number;
  readonly days?: number;
  readonly quiet?: boolean;
}

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

export function runSimulate(scenario: string, opts: SimulateCliOptions): number {
  if (!isScenario(scenario)) {
    process.stderr.write(
      `vigil simulate: unknown scenario "${scenario}" (one of: ${SCENARIOS.join(', ')})\n`,
    );
    return 2;
  }
  const started = Date.now();
  const result = simulateToDir(scenario, opts.out, {
    seed: opts.seed,
    format: opts.format,
    ...(opts.hosts === undefined ? {} : { hosts: opts.hosts }),
    ...(opts.days === undefined ? {} : { days: opts.days }),
  });
  if (!opts.quiet) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const bytes = result.logs.reduce((a, l) => a + l.bytes, 0);
    process.stderr.write(
      `vigil simulate: ${scenario} (seed ${opts.seed}) → ${result.dir}: ${result.records} records in ` +
        `${result.logs.length} logs, ${(bytes / 1e6).toFixed(1)} MB, ${result.truth.malicious.length} malicious ` +
        `(truth.json, ${result.truth.steps.length} steps), ${seconds} s\n`,
    );
  }
  return 0;
}
