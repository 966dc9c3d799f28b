/**
 * Captures end to end: real attack captures (read in place from ../shared/data: hostile data,
 * only parsed, never executed or copied), uid stability across conn and protocol records, and
 * bad captures (garbage, truncated) that become located rejects while the run goes on.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type RejectEvent, RejectSink } from '../ingest/rejects.js';
import { IngestRun } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';
import { pcapFile, udpFrame } from '../test-support/pcap-writer.js';
import { SHARED_DATA_MISSING, sharedData } from '../test-support/shared-data.js';
import { readCapture } from './source.js';
import { TSHARK_MISSING, tsharkAvailable } from './tshark.js';

const OTRF = 'pcap/otrf-security-datasets/atomic/windows';

function capture(...parts: string[]): string | undefined {
  const dir = sharedData(OTRF, ...parts);
  if (!dir) return undefined;
  const name = readdirSync(dir).find((f) => /\.(cap|pcap|pcapng)$/.test(f));
  return name === undefined ? undefined : join(dir, name);
}

async function readAll(file: string, sink = new RejectSink()): Promise<ZeekRecord[]> {
  const out: ZeekRecord[] = [];
  for await (const b of readCapture(file, sink)) out.push(...b);
  return out;
}

function ops(recs: readonly ZeekRecord[]): string[] {
  return recs.filter((r) => r._path === 'dce_rpc').map((r) => `${r.endpoint}.${r.operation}`);
}

/** Every protocol record's uid is a conn record's uid with the same 4-tuple. */
function assertUidsStable(recs: readonly ZeekRecord[]): void {
  const conns = new Map(recs.filter((r) => r._path === 'conn').map((r) => [r.uid, r]));
  let checked = 0;
  for (const r of recs) {
    if (r._path === 'conn' || r._path === 'dhcp') continue;
    const c = conns.get(r.uid as string);
    assert.ok(c, `${r._path} uid ${String(r.uid)} has no conn record`);
    for (const f of ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'])
      assert.equal(r[f], c[f], `${r._path} ${f}`);
    checked++;
  }
  assert.ok(checked > 0);
}

test('OTRF covenant SharpSC create: svcctl CreateServiceA over SMB, named pipe, uids stable', async (t) => {
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const file = capture('lateral_movement/network/covenant_sharpsc_create_dcerpc_smb_svcctl');
  if (!file) return t.skip(SHARED_DATA_MISSING);
  const sink = new RejectSink();
  const recs = await readAll(file, sink);
  assert.ok(ops(recs).includes('svcctl.CreateServiceA'), ops(recs).join(' '));
  const create = recs.find((r) => r.operation === 'CreateServiceA');
  assert.equal(create?.['id.resp_p'], 445);
  assert.equal(create?.named_pipe, '\\pipe\\ntsvcs');
  assert.ok(recs.some((r) => r._path === 'smb_mapping' && /\\IPC\$$/.test(String(r.path))));
  assertUidsStable(recs);
  // The capture ends mid-packet: a located reject, everything before it kept.
  assert.equal(sink.counts.get('read-error'), 1);
});

test('OTRF DCSync: drsuapi DRSGetNCChanges over TCP (named_pipe = port), Kerberos AS/TGS', async (t) => {
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const file = capture('credential_access/network/empire_dcsync_dcerpc_drsuapi_DsGetNCChanges');
  if (!file) return t.skip(SHARED_DATA_MISSING);
  const recs = await readAll(file);
  const calls = ops(recs);
  assert.ok(calls.includes('drsuapi.DRSBind'));
  assert.ok(calls.includes('drsuapi.DRSGetNCChanges'));
  assert.ok(calls.includes('epmapper.ept_map'));
  const get = recs.find((r) => r.operation === 'DRSGetNCChanges');
  assert.equal(get?.named_pipe, String(get?.['id.resp_p']));
  assert.ok(typeof get?.rtt === 'number' && get.rtt > 0);
  assert.ok(recs.some((r) => r._path === 'kerberos'));
  assertUidsStable(recs);
});

test('OTRF AD discovery: SAMR, SRVSVC and LDAP searches with their filter text', async (t) => {
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const samr = capture('discovery/network/empire_shell_samr_EnumDomainUsers');
  const ldap = capture('discovery/network/covenant_getdomaingroup_ldap_searchrequest_domain_admins');
  if (!samr || !ldap) return t.skip(SHARED_DATA_MISSING);
  const s = await readAll(samr);
  assert.ok(
    ops(s).some((o) => o.startsWith('samr.Samr')),
    ops(s).join(' '),
  );
  const l = await readAll(ldap);
  const searches = l.filter((r) => r._path === 'ldap_search');
  assert.ok(searches.length > 0);
  assert.ok(
    searches.some((r) => /domain admins/i.test(String(r.filter))),
    searches.map((r) => r.filter).join(' | '),
  );
  assertUidsStable(l);
});

test('bad captures: garbage and truncation are located rejects; the run goes on and keeps the rest', async (t) => {
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-badpcap-'));
  const frames = [1, 2, 3].map((i) => ({
    ts: 100 + i,
    data: udpFrame({
      ts: 100 + i,
      src: '10.0.0.1',
      dst: `10.0.0.${i + 1}`,
      sport: 999,
      dport: 514,
      payload: Buffer.from(`msg ${i}`),
    }),
  }));
  const good = pcapFile(frames);
  writeFileSync(join(dir, 'good.pcap'), good);
  writeFileSync(join(dir, 'cut.pcap'), good.subarray(0, good.length - 5));
  writeFileSync(join(dir, 'garbage.pcap'), Buffer.from('MZ\x90\x00 definitely not a capture'));
  // Right magic, then a record header claiming an absurd length.
  const lie = Buffer.from(good);
  lie.writeUInt32LE(0x7fffffff, 24 + 8);
  writeFileSync(join(dir, 'lie.pcap'), lie);
  // A link type tshark does not know.
  const link = Buffer.alloc(24 + 16 + 4);
  link.writeUInt32LE(0xa1b2c3d4, 0);
  link.writeUInt16LE(2, 4);
  link.writeUInt16LE(4, 6);
  link.writeUInt32LE(65535, 16);
  link.writeUInt32LE(9999, 20);
  link.writeUInt32LE(4, 32);
  link.writeUInt32LE(4, 36);
  writeFileSync(join(dir, 'link.pcap'), link);
  // Snaplen-cut packet: 20 bytes of the frame captured, the IP/UDP lengths still tell the rest.
  const full = udpFrame({
    ts: 5,
    src: '10.0.0.7',
    dst: '10.0.0.8',
    sport: 4000,
    dport: 514,
    payload: Buffer.alloc(200, 0x41),
  });
  const snap = pcapFile([{ ts: 5, data: full }]);
  snap.writeUInt32LE(14 + 20 + 8 + 10, 24 + 8); // caplen
  writeFileSync(
    join(dir, 'snap.pcap'),
    Buffer.concat([snap.subarray(0, 24 + 16), full.subarray(0, 14 + 20 + 8 + 10)]),
  );
  const events: RejectEvent[] = [];
  const sink = new RejectSink();
  const orig = sink.reject.bind(sink);
  sink.reject = (e: RejectEvent) => {
    events.push(e);
    orig(e);
  };
  const cut = await readAll(join(dir, 'cut.pcap'), sink);
  assert.equal(cut.filter((r) => r._path === 'conn').length, 2, 'the two whole frames are kept');
  const cutEvent = events.find((e) => e.file.endsWith('cut.pcap'));
  assert.equal(cutEvent?.reason, 'read-error');
  assert.equal(cutEvent?.line, 2);
  assert.match(cutEvent?.message ?? '', /after frame 2/);
  assert.deepEqual(await readAll(join(dir, 'garbage.pcap'), sink), []);
  assert.equal(events.find((e) => e.file.endsWith('garbage.pcap'))?.reason, 'unknown-format');
  await readAll(join(dir, 'lie.pcap'), sink);
  assert.ok(events.some((e) => e.file.endsWith('lie.pcap')));
  assert.deepEqual(await readAll(join(dir, 'link.pcap'), sink), []);
  const linkEvent = events.find((e) => e.file.endsWith('link.pcap'));
  assert.equal(linkEvent?.reason, 'unknown-format');
  assert.match(linkEvent?.message ?? '', /network type 9999/);
  const snapped = await readAll(join(dir, 'snap.pcap'), sink);
  assert.equal(
    snapped.find((r) => r._path === 'conn')?.orig_bytes,
    200,
    'lengths from the headers, not the snaplen',
  );
  assert.equal(events.filter((e) => e.file.endsWith('snap.pcap')).length, 0);

  // Through the ingest run: bad inputs reported, the good capture's records still delivered.
  const run = new IngestRun([join(dir, 'garbage.pcap'), join(dir, 'good.pcap'), join(dir, 'cut.pcap')]);
  const recs: ZeekRecord[] = [];
  for await (const b of run.batches()) recs.push(...b);
  const summary = run.summary();
  assert.equal(summary.byLog.conn, 5);
  assert.equal(summary.rejected['unknown-format'], 1);
  assert.equal(summary.rejected['read-error'], 1);
  assert.ok(readFileSync(join(dir, 'good.pcap')).length > 0);
});

test('PetitPotam and SMB copy: efsrpc EfsRpcOpenFileRaw over \\pipe\\lsarpc; admin-share file open', async (t) => {
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const petit = sharedData('pcap/corelight-PetitPotam/testing/Traces/UnPatchedDCOpenFileRaw.pcapng');
  const copy = capture('lateral_movement/network/covenant_copy_smb_CreateRequest');
  if (!petit || !copy) return t.skip(SHARED_DATA_MISSING);
  const p = await readAll(petit);
  assert.ok(ops(p).includes('efsrpc.EfsRpcOpenFileRaw'), ops(p).join(' '));
  assert.ok(ops(p).includes('drsuapi.DRSGetNCChanges'));
  assertUidsStable(p);
  const c = await readAll(copy);
  const files = c.filter((r) => r._path === 'smb_files');
  assert.ok(
    files.some(
      (r) =>
        /\\C\$$/.test(String(r.path)) &&
        /GruntHTTP\.exe$/.test(String(r.name)) &&
        r.action === 'SMB::FILE_OPEN',
    ),
    JSON.stringify(files),
  );
});

test('a directory of captures is read like the captures themselves (each one source)', async (t) => {
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const petit = sharedData('pcap/corelight-PetitPotam/testing/Traces/UnPatchedDCOpenFileRaw.pcapng');
  if (!petit) return t.skip(SHARED_DATA_MISSING);
  // A link, not a copy: the shared data stays where it is.
  const dir = mkdtempSync(join(tmpdir(), 'vigil-capdir-'));
  mkdirSync(join(dir, 'sensor1'));
  symlinkSync(petit, join(dir, 'sensor1', 'petit.pcapng'));
  const direct = await readAll(petit);
  const run = new IngestRun([dir], {});
  const viaDir: ZeekRecord[] = [];
  for await (const b of run.batches()) viaDir.push(...b);
  assert.equal(viaDir.length, direct.length);
  assert.deepEqual(
    viaDir.map((r) => `${r._path}:${r.uid ?? ''}`).sort(),
    direct.map((r) => `${r._path}:${r.uid ?? ''}`).sort(),
  );
});
