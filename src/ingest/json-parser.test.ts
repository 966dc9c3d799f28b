import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { JsonParser, type JsonParserOptions } from './json-parser.js';
import { type RejectEvent, RejectSink } from './rejects.js';

class Capture extends RejectSink {
  readonly events: RejectEvent[] = [];
  readonly raws: (Buffer | string | undefined)[] = [];
  override reject(event: RejectEvent, raw?: Buffer | string): void {
    this.events.push(event);
    this.raws.push(raw);
    super.reject(event, raw);
  }
}

function parse(lines: string[], options: JsonParserOptions = {}) {
  const sink = new Capture();
  const parser = new JsonParser('t.json', sink, options);
  const out: ZeekRecord[] = [];
  lines.forEach((line, i) => {
    parser.parse(line, i + 1, out);
  });
  return { out, events: sink.events, raws: sink.raws };
}

const CONN = {
  _path: 'conn',
  ts: 1623488460.123456,
  uid: 'CHhAvVGS1DHFjwGM9',
  'id.orig_h': '10.0.0.1',
  'id.orig_p': 49152,
  'id.resp_h': '10.0.0.2',
  'id.resp_p': 445,
  proto: 'tcp',
  duration: 1.5,
  orig_bytes: 100,
  local_orig: true,
  tunnel_parents: [],
};

test("Zeek's own JSON: dotted keys, epoch ts, types kept", () => {
  const { _path, ...line } = CONN;
  const { out, events } = parse([JSON.stringify(line)], { path: 'conn' });
  assert.deepEqual(events, []);
  assert.deepEqual(out, [CONN]);
});

test('ISO-8601 ts with microseconds equals the epoch form', () => {
  const { out, events } = parse(
    [
      JSON.stringify({ ...CONN, ts: '2021-06-12T09:01:00.123456Z' }),
      JSON.stringify({ ...CONN, ts: '2021-06-12T09:01:00Z' }),
    ],
    {},
  );
  assert.deepEqual(events, []);
  assert.equal(out[0]!.ts, 1623488460.123456);
  assert.equal(out[1]!.ts, 1623488460);
});

test('json-streaming: _path and _write_ts, several log types in one file', () => {
  const lines = [
    JSON.stringify({ _write_ts: '2021-06-12T09:01:05.000000Z', ...CONN }),
    JSON.stringify({
      _path: 'dns',
      _write_ts: 1623488465.0,
      ts: 1623488461,
      uid: 'C2',
      'id.orig_h': '10.0.0.1',
      'id.orig_p': 5353,
      'id.resp_h': '10.0.0.53',
      'id.resp_p': 53,
      query: 'example.com',
      answers: ['93.184.216.34'],
      TTLs: [3600.0],
    }),
    JSON.stringify({ _path: 'site_custom', _write_ts: 1623488466, ts: 1623488462, anything: 'kept' }),
  ];
  const { out, events } = parse(lines, { path: 'zeek' });
  assert.deepEqual(events, []);
  assert.deepEqual(
    out.map((r) => r._path),
    ['conn', 'dns', 'site_custom'],
  );
  assert.deepEqual(out[0], CONN);
  assert.deepEqual(out[1]!.TTLs, [3600]);
  assert.equal('_write_ts' in out[1]!, false);
  assert.deepEqual(out[2], { _path: 'site_custom', ts: 1623488462, anything: 'kept' });
});

test("shippers' underscored keys (id_orig_h) and nested objects read as Zeek's dotted names", () => {
  const underscored = {
    ts: 1623488460.123456,
    uid: 'CHhAvVGS1DHFjwGM9',
    id_orig_h: '10.0.0.1',
    id_orig_p: 49152,
    id_resp_h: '10.0.0.2',
    id_resp_p: 445,
    proto: 'tcp',
    duration: 1.5,
    orig_bytes: 100,
    local_orig: true,
    tunnel_parents: [],
  };
  const nested = {
    ts: 1623488460.123456,
    uid: 'CHhAvVGS1DHFjwGM9',
    id: { orig_h: '10.0.0.1', orig_p: 49152, resp_h: '10.0.0.2', resp_p: 445 },
    proto: 'tcp',
    duration: 1.5,
    orig_bytes: 100,
    local_orig: true,
    tunnel_parents: [],
  };
  const { out, events } = parse([JSON.stringify(underscored), JSON.stringify(nested)], { path: 'conn' });
  assert.deepEqual(events, []);
  assert.deepEqual(out, [CONN, CONN]);
  const x509 = parse([
    JSON.stringify({
      _path: 'x509',
      ts: 5,
      certificate_subject: 'CN=a',
      certificate_not_valid_before: '2021-06-12T09:01:00.000000Z',
      san_dns: ['a.example'],
    }),
  ]);
  assert.deepEqual(x509.out, [
    {
      _path: 'x509',
      ts: 5,
      'certificate.subject': 'CN=a',
      'certificate.not_valid_before': 1623488460,
      'san.dns': ['a.example'],
    },
  ]);
});

test('stringified numbers and booleans are converted to the schema type', () => {
  const { out, events } = parse(
    [
      JSON.stringify({
        ts: '1623488460.123456',
        uid: 'C1',
        'id.orig_h': '10.0.0.1',
        'id.orig_p': '49152',
        'id.resp_h': '10.0.0.2',
        'id.resp_p': '445',
        proto: 'tcp',
        orig_bytes: '100',
        local_orig: 'true',
        duration: '1.5',
        tunnel_parents: 'a,b',
      }),
    ],
    { path: 'conn' },
  );
  assert.deepEqual(events, []);
  assert.deepEqual(out[0], {
    _path: 'conn',
    ts: 1623488460.123456,
    uid: 'C1',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 49152,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 445,
    proto: 'tcp',
    orig_bytes: 100,
    local_orig: true,
    duration: 1.5,
    tunnel_parents: ['a', 'b'],
  });
});

test('null is unset; unknown fields are kept (nested ones flattened with dots)', () => {
  const { out } = parse([
    JSON.stringify({ ...CONN, service: null, site: { zone: 'dmz', rack: 4 }, labels: ['x', 1] }),
  ]);
  assert.equal('service' in out[0]!, false);
  assert.equal(out[0]!['site.zone'], 'dmz');
  assert.equal(out[0]!['site.rack'], 4);
  assert.deepEqual(out[0]!.labels, ['x', 1]);
});

test('log type without _path: the one given (user or file name) wins, else inferred from the fields', () => {
  const { _path, ...line } = CONN;
  assert.equal(parse([JSON.stringify(line)]).out[0]!._path, 'conn');
  // known_certs has port_num like known_services: the file's own name must win over a guess
  const cert = JSON.stringify({ ts: 1, host: '10.0.0.1', port_num: 443, subject: 'CN=a' });
  assert.equal(parse([cert], { path: 'known_certs' }).out[0]!._path, 'known_certs');
  assert.equal(parse([cert]).out[0]!._path, 'known_services');
  assert.equal(parse([JSON.stringify({ ts: 1, foo: 1 })]).out[0]!._path, 'unknown');
});

test('bad JSON lines: located, counted by reason, raw kept; the file goes on', () => {
  const lines = [
    '{"ts": 1, "uid": ',
    '[1,2,3]',
    '42',
    JSON.stringify({ ...CONN, orig_bytes: 'lots' }),
    JSON.stringify({ ...CONN, orig_bytes: 1.5 }),
    JSON.stringify({ ...CONN, duration: [1] }),
    JSON.stringify({ ...CONN, ts: 'yesterday' }),
    JSON.stringify({ ...CONN, ts: undefined }),
    JSON.stringify({ ...CONN, uid: undefined }),
    '{"ts":1,\u0000\u0001\u0002}',
    JSON.stringify(CONN),
  ];
  const { out, events, raws } = parse(lines);
  assert.deepEqual(out, [CONN]);
  assert.deepEqual(
    events.map((e) => [e.reason, e.line]),
    [
      ['malformed-json', 1],
      ['not-an-object', 2],
      ['not-an-object', 3],
      ['bad-value', 4],
      ['bad-value', 5],
      ['bad-value', 6],
      ['bad-value', 7],
      ['missing-field', 8],
      ['missing-field', 9],
      ['binary-garbage', 10],
    ],
  );
  assert.ok(events.every((e) => e.file === 't.json'));
  assert.match(events[3]!.message, /field orig_bytes \(count\) has value "lots"/);
  assert.deepEqual(raws, lines.slice(0, 10));
});

test('hostile JSON: deep nesting is a located bad-value (no stack overflow), __proto__ kept as a field', () => {
  const deep = `{"ts":1,"a":${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}}`;
  const deepArray = `{"ts":1,"x":${'['.repeat(100000)}${']'.repeat(100000)}}`;
  const proto = JSON.stringify({ ...CONN, extra: 1 }).replace('"extra":1', '"__proto__":["x"]');
  const { out, events } = parse([deep, deepArray, proto, JSON.stringify(CONN)]);
  assert.deepEqual(
    events.map((e) => [e.reason, e.line]),
    [
      ['bad-value', 1],
      ['bad-value', 2],
    ],
  );
  assert.equal(out.length, 2);
  assert.equal(Object.getPrototypeOf(out[0]), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out[0], '__proto__')?.value, ['x']);
  assert.deepEqual(out[1], CONN);
});

test('JSON numbers out of range are bad values', () => {
  const { out, events } = parse([JSON.stringify(CONN).replace('"duration":1.5', '"duration":1e999')]);
  assert.equal(out.length, 0);
  assert.equal(events[0]!.reason, 'bad-value');
});

test('JSON::TS_MILLIS (epoch milliseconds): ts and the schema time fields read as seconds', () => {
  const { out, events } = parse([
    JSON.stringify({ ...CONN, ts: 1623488460123 }),
    JSON.stringify({
      _path: 'x509',
      ts: 1623488460500,
      'certificate.not_valid_before': 946684800000,
      'certificate.not_valid_after': 253402300799000,
    }),
    JSON.stringify({ _path: 'x509', ts: 1623488460.5, 'certificate.not_valid_after': 253402300799 }),
  ]);
  assert.deepEqual(events, []);
  assert.equal(out[0]!.ts, 1623488460.123);
  assert.equal(out[0]!.duration, 1.5, 'intervals are not times');
  assert.equal(out[1]!.ts, 1623488460.5);
  assert.equal(out[1]!['certificate.not_valid_before'], 946684800);
  assert.equal(out[1]!['certificate.not_valid_after'], 253402300799);
  // seconds (a far-future certificate end included) are left alone
  assert.equal(out[2]!['certificate.not_valid_after'], 253402300799);
});
