/**
 * Loads and validates the config file at start-up. YAML or JSON (JSON is read by the same YAML
 * parser, so both get line:column positions). Every problem is reported at once, each located:
 *
 *   vigil.yaml:7:7: network.subnets.servers[1]: "10.5.0.0/33" is not an IP address or CIDR range
 *
 * yaml (eemeli/yaml): the maintained, spec-complete YAML 1.2 parser with a document model that
 * keeps source ranges, which is what makes errors point at a line.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type VigilConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid config ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** `network.subnets.servers[1]` */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

function show(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Parses and validates config text; `file` only labels messages. */
export function parseConfig(text: string, file: string): VigilConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `${pos(e.pos[0])}: ${e.message.split('\n')[0]}`),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;

  const nodeAt = (path: readonly PropertyKey[]): Node | undefined => {
    const n = doc.getIn(path as (string | number)[], true) as Node | undefined;
    return n && typeof n === 'object' && 'range' in n ? n : undefined;
  };
  const problems = result.error.issues.map((issue: z.core.$ZodIssue) => {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const parent = nodeAt(path) ?? (path.length === 0 ? (doc.contents as Node | null) : undefined);
      const key = issue.keys[0] ?? '';
      let offset = parent?.range?.[0];
      if (parent && isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === key);
        if (pair && isScalar(pair.key)) offset = pair.key.range?.[0];
      }
      const where = formatKeyPath([...path, key]);
      return `${pos(offset)}: ${where}: unknown key (known keys are listed in README "Identity and network model")`;
    }
    const node = nodeAt(path);
    const value = valueAt(raw, path);
    let message = issue.message;
    if (issue.code === 'invalid_type') message = `should be ${issue.expected}`;
    else if (issue.code === 'invalid_value' && 'values' in issue)
      message = `should be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    return `${pos(node?.range?.[0])}: ${formatKeyPath(path)}: ${show(value)} ${message}`;
  });
  throw new ConfigError(file, problems);
}

/** Reads the config file; no file = every default. Throws ConfigError with located problems. */
export function loadConfig(file?: string): VigilConfig {
  if (file === undefined) return configSchema.parse({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`${file}: cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, file);
}
