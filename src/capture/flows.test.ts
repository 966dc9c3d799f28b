import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RejectSink } from '../ingest/rejects.js';
import type { ConnRecord, ZeekRecord } from '../model/records.js';
import { dnsMessage, pcapFile, type TcpSpec, tcpFrame, udpFrame } from '../test-support/pcap-writer.js';
import { type Flow, FlowTable, type Packet } from './flows.js';
import { readCapture } from './source.js';
import { TSHARK_MISSING, tsharkAvailable } from './tshark.js';

const C = '10.1.1.10';
const S = '10.1.1.20';

/** Packets fed straight to the flow table (no tshark needed). */
function tcp(ts: number, fromClient: boolean, flags: string, seq: number, len = 0): Packet {
  let f = 0;
  for (const c of flags) f |= { F: 1, S: 2, R: 4, P: 8, A: 16 }[c] ?? 0;
  return {
    ts,
    src: fromClient ? C : S,
    dst: fromClient ? S : C,
    proto: 'tcp',
    sport: fromClient ? 50000 : 445,
    dport: fromClient ? 445 : 50000,
    ipBytes: 40 + len,
    len,
    flags: f,
    seq,
    window: 1000,
    retransmission: false,
    v6: false,
  };
}

function run(packets: Packet[]): ConnRecord[] {
  const out: ConnRecord[] = [];
  const table = new FlowTable((flow: Flow) => out.push(flow.toRecord()));
  for (const p of packets) table.packet(p);
  table.flush();
  return out;
}

test('flows: full handshake, data both ways, FINs → SF, ShADdFf, bytes from sequence numbers', () => {
  const [c] = run([
    tcp(1.0, true, 'S', 1000),
    tcp(1.1, false, 'SA', 5000),
    tcp(1.2, true, 'A', 1001),
    tcp(1.3, true, 'PA', 1001, 100),
    tcp(1.3, true, 'PA', 1001, 100), // retransmission: not counted twice
    tcp(1.4, false, 'PA', 5001, 300),
    tcp(1.5, true, 'FA', 1101),
    tcp(1.6, false, 'FA', 5301),
    tcp(1.7, true, 'A', 1102),
  ]);
  assert.ok(c);
  assert.equal(c.conn_state, 'SF');
  assert.equal(c.history, 'ShADdFf'); // the responder never sent a pure ACK: no 'a'
  assert.equal(c.orig_bytes, 100);
  assert.equal(c.resp_bytes, 300);
  assert.equal(c.orig_pkts, 6);
  assert.equal(c.resp_pkts, 3);
  assert.equal(c.duration, 0.7);
  assert.equal(c['id.orig_h'], C);
  assert.match(c.uid, /^C[0-9A-Za-z]{17}$/);
});

test('flows: refused (REJ), unanswered (S0), reset by originator (RSTO), responder-only (SHR, flipped)', () => {
  assert.deepEqual(
    run([tcp(1, true, 'S', 1), tcp(1.1, false, 'RA', 0)]).map((c) => [c.conn_state, c.history]),
    [['REJ', 'Sr']],
  );
  assert.deepEqual(
    run([tcp(1, true, 'S', 1), tcp(4, true, 'S', 1)]).map((c) => [c.conn_state, c.history]),
    [['S0', 'S']],
  );
  assert.deepEqual(
    run([tcp(1, true, 'S', 1), tcp(1.1, false, 'SA', 9), tcp(1.2, true, 'A', 2), tcp(2, true, 'RA', 2)]).map(
      (c) => [c.conn_state, c.history],
    ),
    [['RSTO', 'ShAR']],
  );
  // Midstream: the first packet comes from the server port, so roles flip (`^`).
  const [c] = run([tcp(1, false, 'PA', 9, 10), tcp(1.1, false, 'FA', 19)]);
  assert.equal(c?.['id.orig_h'], C);
  assert.equal(c?.['id.resp_p'], 445);
  assert.equal(c?.history, '^dF'.replace('F', 'f'));
  assert.equal(c?.conn_state, 'SHR');
});

test('flows: inactivity time-out splits a 5-tuple; a new SYN after close starts a new flow; uids differ', () => {
  const cs = run([
    tcp(0, true, 'S', 1),
    tcp(400, true, 'S', 1), // 400 s later: past the 300 s TCP inactivity time-out
    tcp(400.1, false, 'SA', 7),
    tcp(400.2, true, 'FA', 2),
    tcp(400.3, false, 'FA', 8),
    tcp(401, true, 'S', 100), // reuse of the closed 5-tuple
  ]);
  assert.deepEqual(
    cs.map((c) => c.conn_state),
    ['S0', 'SF', 'S0'],
  );
  assert.equal(new Set(cs.map((c) => c.uid)).size, 3);
});

test('flows: UDP request/response → SF Dd, payload bytes; one-way → S0', () => {
  const udp = (ts: number, fromClient: boolean, len: number): Packet => ({
    ...tcp(ts, fromClient, '', 0, 0),
    proto: 'udp',
    sport: fromClient ? 5353 : 53,
    dport: fromClient ? 53 : 5353,
    len,
    ipBytes: 28 + len,
  });
  const [c] = run([udp(1, true, 30), udp(1.01, false, 60)]);
  assert.equal(c?.conn_state, 'SF');
  assert.equal(c?.history, 'Dd');
  assert.equal(c?.orig_bytes, 30);
  assert.equal(c?.resp_bytes, 60);
  assert.equal(run([udp(1, true, 30)])[0]?.conn_state, 'S0');
});

async function readAll(file: string, sink = new RejectSink()): Promise<ZeekRecord[]> {
  const out: ZeekRecord[] = [];
  for await (const b of readCapture(file, sink)) out.push(...b);
  return out;
}

test('capture: a hand-written pcap through tshark — conn_state/history, DNS, uid shared by conn and dns', async (t) => {
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const seg = (ts: number, fromClient: boolean, flags: string, seq: number, payload?: string): TcpSpec => ({
    ts,
    src: fromClient ? C : S,
    dst: fromClient ? S : C,
    sport: fromClient ? 50000 : 80,
    dport: fromClient ? 80 : 50000,
    flags,
    seq,
    ack: 1,
    payload: payload === undefined ? undefined : Buffer.from(payload),
  });
  const get = 'GET /x HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n';
  const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi';
  const specs = [
    seg(10, true, 'S', 100),
    seg(10.1, false, 'SA', 900),
    seg(10.2, true, 'A', 101),
    seg(10.3, true, 'PA', 101, get),
    seg(10.4, false, 'PA', 901, ok),
    seg(10.5, true, 'FA', 101 + get.length),
    seg(10.6, false, 'FA', 901 + ok.length),
    seg(10.7, true, 'A', 102 + get.length),
  ];
  const frames = specs.map((s) => ({ ts: s.ts, data: tcpFrame(s) }));
  const q = { ts: 11, src: C, dst: S, sport: 40000, dport: 53, payload: dnsMessage(7, 'vigil.example') };
  const r = {
    ts: 11.05,
    src: S,
    dst: C,
    sport: 53,
    dport: 40000,
    payload: dnsMessage(7, 'vigil.example', '10.9.9.9'),
  };
  frames.push({ ts: q.ts, data: udpFrame(q) }, { ts: r.ts, data: udpFrame(r) });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pcap-'));
  for (const be of [false, true]) {
    const file = join(dir, be ? 'be.pcap' : 'le.pcap');
    writeFileSync(file, pcapFile(frames, be));
    const recs = await readAll(file);
    const conns = recs.filter((x): x is ConnRecord => x._path === 'conn');
    const http = conns.find((x) => x['id.resp_p'] === 80);
    assert.equal(http?.conn_state, 'SF');
    assert.equal(http?.history, 'ShADdFf');
    assert.equal(http?.orig_bytes, get.length);
    assert.equal(http?.resp_bytes, ok.length);
    assert.equal(http?.service, 'http');
    const h = recs.find((x) => x._path === 'http');
    assert.equal(h?.uid, http?.uid);
    assert.equal(h?.method, 'GET');
    assert.equal(h?.host, 'example.test');
    assert.equal(h?.status_code, 200);
    const dnsConn = conns.find((x) => x['id.resp_p'] === 53);
    const dns = recs.find((x) => x._path === 'dns');
    assert.equal(dnsConn?.conn_state, 'SF');
    assert.equal(dns?.uid, dnsConn?.uid);
    assert.equal(dns?.query, 'vigil.example');
    assert.deepEqual(dns?.answers, ['10.9.9.9']);
    assert.equal(dns?.rtt, 0.05);
    const ts = recs.map((x) => x.ts);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
      'records come out in ts order',
    );
  }
});

test('flows: ICMP echo request and reply are one flow keyed by type and counterpart (Zeek ports 8/0)', () => {
  const icmp = (ts: number, fromClient: boolean, type: number): Packet => ({
    ...tcp(ts, fromClient, '', 0, 0),
    proto: 'icmp',
    sport: type,
    dport: 0,
    len: 56,
    ipBytes: 84,
  });
  const cs = run([icmp(1, true, 8), icmp(1.001, false, 0), icmp(2, true, 8), icmp(2.001, false, 0)]);
  assert.equal(cs.length, 1);
  const [c] = cs;
  assert.equal(c?.['id.orig_h'], C);
  assert.equal(c?.['id.orig_p'], 8);
  assert.equal(c?.['id.resp_p'], 0);
  assert.equal(c?.orig_pkts, 2);
  assert.equal(c?.resp_pkts, 2);
  assert.equal(c?.orig_bytes, 112);
  assert.equal(c?.conn_state, 'OTH');
  assert.equal(c?.proto, 'icmp');
  // A reply seen first still gets the requester as originator.
  const [r] = run([icmp(5, false, 0)]);
  assert.equal(r?.['id.orig_h'], C);
});
