/**
 * A small, seeded sample of Zeek logs for the demo and smoke tests: a few workstations talking
 * to a DC and a file server for one hour, written as Zeek 7 TSV (conn, dns, gzip'd), and as
 * Zeek JSON (smb_mapping) so that the demo exercises both readers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { jsonLine, tsvFooter, tsvHeader, tsvLine } from '../model/zeek-writer.js';

/** Mulberry32: small, fast, seedable; reproducible samples from `--seed`. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function zeekUid(rand: () => number, prefix = 'C'): string {
  let s = prefix;
  for (let i = 0; i < 17; i++) s += UID_CHARS[Math.floor(rand() * UID_CHARS.length)];
  return s;
}

export interface SampleFiles {
  readonly dir: string;
  readonly records: number;
}

export function writeSample(dir: string, seed = 1): SampleFiles {
  mkdirSync(dir, { recursive: true });
  const rand = rng(seed);
  const start = Date.UTC(2021, 5, 12, 9, 0, 0) / 1000;
  const conn: ZeekRecord[] = [];
  const dns: ZeekRecord[] = [];
  const smb: ZeekRecord[] = [];
  for (let i = 0; i < 600; i++) {
    const ts = start + i * 6 + rand() * 5;
    const orig = `10.5.10.${10 + Math.floor(rand() * 40)}`;
    const uid = zeekUid(rand);
    const kind = rand();
    const id = { uid, 'id.orig_h': orig, 'id.orig_p': 49152 + Math.floor(rand() * 16000) };
    if (kind < 0.5) {
      const q = ['intranet.corp.local', 'mail.corp.local', 'www.example.com'][Math.floor(rand() * 3)]!;
      const rec = { _path: 'dns', ts, ...id, 'id.resp_h': '10.5.0.10', 'id.resp_p': 53 };
      dns.push({
        ...rec,
        proto: 'udp',
        trans_id: Math.floor(rand() * 65535),
        query: q,
        qtype: 1,
        qtype_name: 'A',
        rcode: 0,
        rcode_name: 'NOERROR',
        answers: ['10.5.0.80'],
        TTLs: [300],
      });
      conn.push({
        ...rec,
        proto: 'udp',
        service: 'dns',
        duration: 0.001,
        orig_bytes: 40,
        resp_bytes: 56,
        conn_state: 'SF',
        history: 'Dd',
        orig_pkts: 1,
        resp_pkts: 1,
      });
    } else {
      const rec = { _path: 'smb_mapping', ts, ...id, 'id.resp_h': '10.5.0.65', 'id.resp_p': 445 };
      smb.push({ ...rec, path: '\\\\FS01\\shared', service: 'DISK', share_type: 'DISK' });
      conn.push({
        ...rec,
        proto: 'tcp',
        service: 'smb',
        duration: rand() * 30,
        orig_bytes: 2000,
        resp_bytes: 50000,
        conn_state: 'SF',
        history: 'ShADadFf',
        orig_pkts: 20,
        resp_pkts: 40,
      });
    }
  }
  const tsv = (path: string, recs: ZeekRecord[]): string => {
    const fields = schemaFor(path)!.fields;
    const lines = recs.map((r) => tsvLine({ ...r, _path: path } as ZeekRecord, fields));
    return `${tsvHeader(path, fields, start)}\n${lines.join('\n')}\n${tsvFooter(start + 3600)}\n`;
  };
  writeFileSync(join(dir, 'conn.log'), tsv('conn', conn));
  writeFileSync(join(dir, 'dns.log.gz'), gzipSync(tsv('dns', dns)));
  const smbFields = schemaFor('smb_mapping')!.fields;
  writeFileSync(join(dir, 'smb_mapping.json'), `${smb.map((r) => jsonLine(r, smbFields)).join('\n')}\n`);
  return { dir, records: conn.length + dns.length + smb.length };
}
