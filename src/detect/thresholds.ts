/** Resolves a detector's thresholds: its documented defaults, overridden from config, validated. */
import type { Thresholds } from './types.js';

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
  }
}

/**
 * Overrides must name known keys and keep each default's type; numbers must be finite and
 * not negative. Errors name the full key (`detectors.port-sweep.minTargets`) and the value.
 */
export function resolveThresholds<T extends Thresholds>(type: string, defaults: T, overrides: unknown): T {
  if (overrides === undefined) return defaults;
  const base = `detectors.${type}`;
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new ConfigError(base, `expected an object of thresholds, got ${JSON.stringify(overrides)}`);
  }
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(overrides)) {
    const key = `${base}.${k}`;
    if (!(k in defaults)) {
      throw new ConfigError(key, `unknown threshold (known: ${Object.keys(defaults).join(', ')})`);
    }
    const d = defaults[k];
    if (typeof d === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new ConfigError(key, `expected a non-negative number, got ${JSON.stringify(v)}`);
      }
    } else if (Array.isArray(d)) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
        throw new ConfigError(key, `expected a list of strings, got ${JSON.stringify(v)}`);
      }
    } else if (typeof v !== typeof d) {
      throw new ConfigError(key, `expected a ${typeof d}, got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  }
  return out as T;
}
