/**
 * What a long-running pipeline saves on shutdown and restores on start, beside the tail's
 * position: the detection engine's checkpoint (event time, detector windows and baselines, open
 * detections with their evidence) and the identity state (hosts, sessions, accounts, roles'
 * evidence, domain prevalence). Scores are rebuilt from the restored detections; the responder
 * rebuilds its state from its audit log. Files are written atomically, mode 0600.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineCheckpoint } from '../detect/engine.js';
import { loadState, saveState } from '../identity/state.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Analysis } from './analysis.js';
import { IdentityHostView } from './identity-view.js';

const ENGINE_FILE = 'engine.json';
const IDENTITY_FILE = 'identity.json';

export function savePipelineState(dir: string, a: Analysis): void {
  writeFileAtomic(join(dir, ENGINE_FILE), JSON.stringify(a.engine.checkpoint()));
  if (a.hosts instanceof IdentityHostView) {
    saveState(join(dir, IDENTITY_FILE), a.hosts.enricher.identity, a.hosts.enricher.domains);
  }
}

/** Restores what a previous run saved; returns what was restored (for the log). */
export function loadPipelineState(dir: string, a: Analysis): string[] {
  const restored: string[] = [];
  if (
    a.hosts instanceof IdentityHostView &&
    loadState(join(dir, IDENTITY_FILE), a.hosts.enricher.identity, a.hosts.enricher.domains)
  ) {
    restored.push('identity');
  }
  const engineFile = join(dir, ENGINE_FILE);
  if (existsSync(engineFile)) {
    let cp: EngineCheckpoint;
    try {
      cp = JSON.parse(readFileSync(engineFile, 'utf8')) as EngineCheckpoint;
    } catch (err) {
      throw new Error(`${engineFile}: not a readable engine checkpoint (${(err as Error).message})`);
    }
    const dropped = a.engine.restore(cp);
    for (const d of a.engine.store.detections) {
      a.scores.observe(d, d.lastTs);
      a.accountScores.observe(d, d.lastTs);
    }
    restored.push(
      `engine (${a.engine.store.detections.length} detections${dropped.length ? `; no longer registered: ${dropped.join(', ')}` : ''})`,
    );
  }
  return restored;
}
