/**
 * The lateral-movement detectors on real attack captures (OTRF Security-Datasets, read in place
 * from the shared data through the capture reader). The captures last minutes, so learning is
 * switched off here (`learningPeriodSeconds: 0`): every tuple is new, as on a network where the
 * baseline never saw these hosts do this. Skipped when tshark or the data is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TSHARK_MISSING, tsharkAvailable } from '../capture/tshark.js';
import { runAnalysis } from '../pipeline/analysis.js';
import { SHARED_DATA_MISSING, sharedData } from '../test-support/shared-data.js';
import { createAttackToolTransfer } from './attack-tool-transfer.js';
import { createAutomatedReplication } from './automated-replication.js';
import { createBackupDiscovery } from './backup-discovery.js';
import { createDataStaging } from './data-staging.js';
import { createDcsync } from './dcsync.js';
import { createNovelAdminShareAccess } from './novel-admin-share-access.js';
import { createSuspiciousRemoteDesktop } from './suspicious-remote-desktop.js';
import { createSuspiciousRemoteExecution } from './suspicious-remote-execution.js';

const MINE = [
  createSuspiciousRemoteExecution,
  createAutomatedReplication,
  createNovelAdminShareAccess,
  createAttackToolTransfer,
  createBackupDiscovery,
  createDcsync,
  createDataStaging,
  createSuspiciousRemoteDesktop,
];
const TYPES = [
  'suspicious-remote-execution',
  'automated-replication',
  'novel-admin-share-access',
  'attack-tool-transfer',
  'backup-discovery',
  'dcsync',
  'data-staging',
  'suspicious-remote-desktop',
];
const NO_LEARNING = { detectors: Object.fromEntries(TYPES.map((t) => [t, { learningPeriodSeconds: 0 }])) };

function capture(sub: string): string | undefined {
  const dir = sharedData('pcap/otrf-security-datasets/atomic/windows', sub);
  if (!dir || !existsSync(dir)) return undefined;
  const f = readdirSync(dir).find((n) => /\.(pcap|pcapng|cap)$/.test(n));
  return f ? join(dir, f) : undefined;
}

const CASES: readonly [string, string, string | undefined, RegExp | undefined][] = [
  [
    'lateral_movement/network/covenant_sharpsc_create_dcerpc_smb_svcctl',
    'suspicious-remote-execution',
    '172.18.39.5',
    /svcctl CreateServiceA/,
  ],
  [
    'lateral_movement/network/covenant_sharpwmi_create_dcerpc_wmi',
    'suspicious-remote-execution',
    '172.18.39.5',
    /IWbemServices ExecMethod/,
  ],
  [
    'lateral_movement/network/schtask_create',
    'suspicious-remote-execution',
    '172.18.39.5',
    /SchRpcRegisterTask/,
  ],
  [
    'lateral_movement/network/covenant_copy_smb_CreateRequest',
    'novel-admin-share-access',
    '172.18.39.5',
    /c\$/,
  ],
  [
    'credential_access/network/empire_dcsync_dcerpc_drsuapi_DsGetNCChanges',
    'dcsync',
    '172.18.39.5',
    /DRSGetNCChanges/,
  ],
  // Service query/stop are not execution: nothing of ours fires.
  ['lateral_movement/network/covenant_sharpsc_query_dcerpc_smb_svcctl', '', undefined, undefined],
  ['lateral_movement/network/covenant_sharpsc_stop_dcerpc_smb_svcctl', '', undefined, undefined],
];

describe('lateral-movement detectors on real captures', () => {
  for (const [sub, type, host, summary] of CASES) {
    test(`${sub.split('/').pop()}: ${type || 'quiet'}`, async (t) => {
      if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
      const file = capture(sub);
      if (!file) return t.skip(SHARED_DATA_MISSING);
      const report = await runAnalysis([file], { detectors: MINE, engine: NO_LEARNING });
      const mine = report.detections.filter((d) => TYPES.includes(d.type));
      if (type === '') {
        assert.deepEqual(
          mine.map((d) => d.summary),
          [],
        );
        return;
      }
      const d = mine.find((x) => x.type === type);
      assert.ok(d, `${type} in ${JSON.stringify(mine.map((x) => x.type))}`);
      assert.equal(d.host, host);
      assert.match(d.summary, summary!);
      assert.ok(d.evidence.length > 0 && d.evidence.every((e) => e.uid.length > 0));
    });
  }

  test('default learning keeps a minutes-long capture quiet (nothing is new before a baseline exists)', async (t) => {
    if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
    const file = capture('lateral_movement/network/covenant_sharpsc_create_dcerpc_smb_svcctl');
    if (!file) return t.skip(SHARED_DATA_MISSING);
    const report = await runAnalysis([file], { detectors: MINE });
    assert.deepEqual(
      report.detections.map((d) => d.type),
      [],
    );
  });
});
