import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { type RejectEvent, RejectSink } from './rejects.js';
import { TsvParser, type TsvParserOptions } from './tsv-parser.js';

class Capture extends RejectSink {
  readonly events: RejectEvent[] = [];
  readonly raws: (Buffer | string | undefined)[] = [];
  override reject(event: RejectEvent, raw?: Buffer | string): void {
    this.events.push(event);
    this.raws.push(raw);
    super.reject(event, raw);
  }
}

function parse(text: string, options: TsvParserOptions = {}) {
  const sink = new Capture();
  const parser = new TsvParser('t.log', sink, options);
  const out: ZeekRecord[] = [];
  text.split('\n').forEach((line, i) => {
    parser.parse(line, i + 1, out);
  });
  return { out, events: sink.events, raws: sink.raws, parser };
}

const T = '\t';
const row = (...cols: string[]): string => cols.join(T);

function header(path: string, fields: string[], types: string[], sep = T, setSep = ','): string {
  const esc = `\\x${sep.charCodeAt(0).toString(16).padStart(2, '0')}`;
  return [
    `#separator ${esc}`,
    `#set_separator${sep}${setSep}`,
    `#empty_field${sep}(empty)`,
    `#unset_field${sep}-`,
    `#path${sep}${path}`,
    `#open${sep}2021-06-12-09-00-00`,
    `#fields${sep}${fields.join(sep)}`,
    `#types${sep}${types.join(sep)}`,
  ].join('\n');
}

const ALL_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'dur',
  'n',
  'delta',
  'ratio',
  'ok',
  'net',
  'kind',
  'text',
  're',
  'tags',
  'ttls',
  'hosts',
];
const ALL_TYPES = [
  'time',
  'string',
  'addr',
  'port',
  'addr',
  'port',
  'interval',
  'count',
  'int',
  'double',
  'bool',
  'subnet',
  'enum',
  'string',
  'pattern',
  'set[string]',
  'vector[interval]',
  'vector[addr]',
];

test('full header: every Zeek type maps to its documented JS type', () => {
  const text = [
    header('mylog', ALL_FIELDS, ALL_TYPES),
    row(
      '1623488460.123456',
      'CHhAvVGS1DHFjwGM9',
      '10.0.0.1',
      '49152',
      'fd42:496a:d659:bb85::1',
      '443',
      '0.000250',
      '18',
      '-7',
      '37.751',
      'T',
      '10.0.0.0/8',
      'Notice::ACTION_LOG',
      'hello world',
      '/^?(a|b)$?/',
      'x,y',
      '3600.000000,60.500000',
      '8.8.8.8,::1',
    ),
    '#close\t2021-06-12-10-00-00',
  ].join('\n');
  const { out, events } = parse(text);
  assert.deepEqual(events, []);
  assert.deepEqual(out, [
    {
      _path: 'mylog',
      ts: 1623488460.123456,
      uid: 'CHhAvVGS1DHFjwGM9',
      'id.orig_h': '10.0.0.1',
      'id.orig_p': 49152,
      'id.resp_h': 'fd42:496a:d659:bb85::1',
      'id.resp_p': 443,
      dur: 0.00025,
      n: 18,
      delta: -7,
      ratio: 37.751,
      ok: true,
      net: '10.0.0.0/8',
      kind: 'Notice::ACTION_LOG',
      text: 'hello world',
      re: '/^?(a|b)$?/',
      tags: ['x', 'y'],
      ttls: [3600, 60.5],
      hosts: ['8.8.8.8', '::1'],
    },
  ]);
});

test('unset (-) is an absent property; (empty) is "" for strings and [] for containers', () => {
  const fields = ['ts', 'uid', 'text', 'tags', 'ttls', 'n', 'ok'];
  const types = ['time', 'string', 'string', 'set[string]', 'vector[interval]', 'count', 'bool'];
  const text = [
    header('mylog', fields, types),
    row('1.5', 'C1', '-', '-', '-', '-', '-'),
    row('2.5', 'C2', '(empty)', '(empty)', '(empty)', '0', 'F'),
    row('3.5', 'C3', '\\x2d', '\\x28empty\\x29', '-', '-', '-'),
  ].join('\n');
  const { out, events } = parse(text);
  assert.deepEqual(events, []);
  assert.deepEqual(out[0], { _path: 'mylog', ts: 1.5, uid: 'C1' });
  assert.equal('text' in out[0]!, false);
  assert.deepEqual(out[1], {
    _path: 'mylog',
    ts: 2.5,
    uid: 'C2',
    text: '',
    tags: [],
    ttls: [],
    n: 0,
    ok: false,
  });
  // an escaped marker is the literal text, not unset/empty
  assert.deepEqual(out[2], { _path: 'mylog', ts: 3.5, uid: 'C3', text: '-', tags: ['(empty)'] });
});

test('(empty) in a number or bool column is a bad value, not ""', () => {
  const text = [
    header('mylog', ['ts', 'n', 'ok'], ['time', 'count', 'bool']),
    row('1', '(empty)', 'T'),
    row('2', '5', '(empty)'),
  ].join('\n');
  const { out, events } = parse(text);
  assert.equal(out.length, 0);
  assert.deepEqual(
    events.map((e) => [e.reason, e.line]),
    [
      ['bad-value', 9],
      ['bad-value', 10],
    ],
  );
  assert.match(events[0]!.message, /field n \(count\)/);
});

test('a non-tab #separator and its #set_separator', () => {
  const text = [
    header('mylog', ['ts', 'uid', 'tags', 'note'], ['time', 'string', 'set[string]', 'string'], '|', ';'),
    '1.0|C1|a;b\\x3bc|tab\there, comma, kept',
  ].join('\n');
  const { out, events } = parse(text);
  assert.deepEqual(events, []);
  assert.deepEqual(out, [
    { _path: 'mylog', ts: 1, uid: 'C1', tags: ['a', 'b;c'], note: 'tab\there, comma, kept' },
  ]);
});

test('custom #empty_field and #unset_field', () => {
  const text = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\tEMPTY',
    '#unset_field\tNULL',
    '#path\tmylog',
    '#fields\tts\ta\tb\tc\ts',
    '#types\ttime\tstring\tstring\tset[string]\tset[string]',
    row('7.0', 'NULL', '-', 'EMPTY', '(empty)'),
  ].join('\n');
  const { out, events } = parse(text);
  assert.deepEqual(events, []);
  // '-' and '(empty)' are ordinary text under these markers
  assert.deepEqual(out, [{ _path: 'mylog', ts: 7, b: '-', c: [], s: ['(empty)'] }]);
});

test('escapes: escaped set separator inside set elements, tab, backslash, non-UTF-8 byte', () => {
  const text = [
    header(
      'ssl',
      ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'cas', 'subject', 'raw'],
      ['time', 'string', 'addr', 'port', 'addr', 'port', 'vector[string]', 'string', 'string'],
    ),
    row(
      '1.0',
      'C1',
      '10.0.0.1',
      '1',
      '10.0.0.2',
      '443',
      'O=SomeOrg\\x2cL=Somewhere\\x2cC=US,CN=Other',
      'a\\x09b\\\\c',
      'x\\xd9y',
    ),
  ].join('\n');
  const { out, events } = parse(text);
  assert.deepEqual(events, []);
  assert.deepEqual(out[0]!.cas, ['O=SomeOrg,L=Somewhere,C=US', 'CN=Other']);
  assert.equal(out[0]!.subject, 'a\tb\\c');
  assert.equal(out[0]!.raw, 'x\\xd9y');
});

test('a header repeated mid-file (concatenated logs) switches path, fields and types', () => {
  const text = [
    header('mylog', ['ts', 'a'], ['time', 'count']),
    row('1.0', '5'),
    '#close\t2021-06-12-10-00-00',
    header('other', ['ts', 'b', 'a'], ['time', 'bool', 'string']),
    row('2.0', 'T', '5'),
  ].join('\n');
  const { out, events } = parse(text);
  assert.deepEqual(events, []);
  assert.deepEqual(out, [
    { _path: 'mylog', ts: 1, a: 5 },
    { _path: 'other', ts: 2, b: true, a: '5' },
  ]);
});

test('no ts column: event time from #open; neither: a located missing-field reject', () => {
  const withOpen = parse([header('mylog', ['uid'], ['string']), 'C1'].join('\n'));
  assert.deepEqual(withOpen.out, [{ _path: 'mylog', ts: Date.UTC(2021, 5, 12, 9) / 1000, uid: 'C1' }]);
  const none = parse(['#fields\tuid', '#types\tstring', 'C1'].join('\n'));
  assert.equal(none.out.length, 0);
  assert.equal(none.events[0]!.reason, 'missing-field');
  assert.equal(none.events[0]!.line, 3);
  assert.match(none.events[0]!.message, /event time unknown/);
});

test('a header that does not match its rows: bad-header, then each row field-count-mismatch', () => {
  const text = [
    '#separator \\x09',
    '#path\tmylog',
    '#fields\tts\ta\tb',
    '#types\ttime\tcount',
    row('1.0', '2', 'x'),
    row('1.0', '2'),
  ].join('\n');
  const { out, events, raws } = parse(text);
  // #types of the wrong length: reported, defaults used; the 3-column row still parses
  assert.deepEqual(
    events.map((e) => [e.reason, e.line]),
    [
      ['bad-header', 4],
      ['field-count-mismatch', 6],
    ],
  );
  assert.deepEqual(out, [{ _path: 'mylog', ts: 1, a: '2', b: 'x' }]);
  assert.equal(raws[1], '1.0\t2');
  assert.match(events[1]!.message, /2 columns where the header declares 3/);
});

test('a malformed value rejects the line naming the field; later lines still parse', () => {
  const text = [header('mylog', ['ts', 'n'], ['time', 'count']), row('1.0', 'many'), row('2.0', '3')].join(
    '\n',
  );
  const { out, events, raws } = parse(text);
  assert.deepEqual(out, [{ _path: 'mylog', ts: 2, n: 3 }]);
  assert.equal(events[0]!.reason, 'bad-value');
  assert.equal(events[0]!.file, 't.log');
  assert.equal(events[0]!.line, 9);
  assert.match(events[0]!.message, /field n \(count\) has value "many"/);
  assert.equal(raws[0], '1.0\tmany');
});

test('a known log type is checked for its required fields', () => {
  const text = [
    header(
      'conn',
      ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto'],
      ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum'],
    ),
    row('1.0', 'C1', '10.0.0.1', '1', '10.0.0.2', '80', 'tcp'),
    row('1.0', '-', '10.0.0.1', '1', '10.0.0.2', '80', 'tcp'),
  ].join('\n');
  const { out, events } = parse(text);
  assert.equal(out.length, 1);
  assert.equal(events[0]!.reason, 'missing-field');
  assert.match(events[0]!.message, /conn record without uid/);
});

test('zeek-cut output with a field-name line uses the log type schema for types', () => {
  const text = [
    'ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\tTTLs\tAA',
    row('5.0', 'C1', '1.1.1.1', '5353', '2.2.2.2', '53', 'a.example', '60.000000,30.000000', 'T'),
  ].join('\n');
  const { out, events } = parse(text, { path: 'dns' });
  assert.deepEqual(events, []);
  assert.deepEqual(out, [
    {
      _path: 'dns',
      ts: 5,
      uid: 'C1',
      'id.orig_h': '1.1.1.1',
      'id.orig_p': 5353,
      'id.resp_h': '2.2.2.2',
      'id.resp_p': 53,
      query: 'a.example',
      TTLs: [60, 30],
      AA: true,
    },
  ]);
});

test('zeek-cut: an empty column name (a field the log lacks) is skipped', () => {
  const text = ['ts\tuid\t\tnote', row('5.0', 'C1', '', 'x')].join('\n');
  const { out, events } = parse(text, { path: 'mylog' });
  assert.deepEqual(events, []);
  assert.deepEqual(out, [{ _path: 'mylog', ts: 5, uid: 'C1', note: 'x' }]);
});

test('zeek-cut without a field-name line: the default layout when the column count matches', () => {
  const cols = ['1.0', '10.0.0.1'];
  const { out, events } = parse(row(...cols), { path: 'known_hosts' });
  assert.deepEqual(events, []);
  assert.deepEqual(out, [{ _path: 'known_hosts', ts: 1, host: '10.0.0.1' }]);
  // a different column count cannot be placed: one located no-header reject per line
  const bad = parse([row('1.0', '10.0.0.1', 'x'), row('2.0', '10.0.0.2', 'y')].join('\n'), {
    path: 'known_hosts',
  });
  assert.equal(bad.out.length, 0);
  assert.deepEqual(
    bad.events.map((e) => [e.reason, e.line]),
    [
      ['no-header', 1],
      ['no-header', 2],
    ],
  );
});

test('zeek-cut without a field-name line: the fields the user names', () => {
  const { out, events } = parse(row('C1', 'lowercase_HTTP_keyword', '7.5'), {
    path: 'weird',
    fields: ['uid', 'name', 'ts'],
  });
  assert.deepEqual(events, []);
  assert.deepEqual(out, [{ _path: 'weird', ts: 7.5, uid: 'C1', name: 'lowercase_HTTP_keyword' }]);
});

test('binary content in a TSV line is binary-garbage, with the raw line kept', () => {
  const garbage = 'PK\u0003\u0004\u0000\u0000junk';
  const { out, events, raws } = parse(
    [header('mylog', ['ts', 'a'], ['time', 'string']), garbage, row('1', 'ok')].join('\n'),
  );
  assert.deepEqual(out, [{ _path: 'mylog', ts: 1, a: 'ok' }]);
  assert.equal(events[0]!.reason, 'binary-garbage');
  assert.equal(raws[0], garbage);
});

test('hostile field names: __proto__ is reported and not kept; the record keeps its prototype', () => {
  const text = [
    header('mylog', ['ts', '__proto__', 'a'], ['time', 'string', 'string']),
    row('1', 'x', 'y'),
  ].join('\n');
  const { out, events } = parse(text);
  assert.deepEqual(
    events.map((e) => [e.reason, e.line]),
    [['bad-header', 7]],
  );
  assert.equal(Object.getPrototypeOf(out[0]), Object.prototype);
  assert.deepEqual(out, [{ _path: 'mylog', ts: 1, a: 'y' }]);
});

test('numbers out of range (1e999) are bad values, never Infinity', () => {
  const text = [header('mylog', ['ts', 'd'], ['time', 'double']), row('1', '1e999'), row('1e999', '1')].join(
    '\n',
  );
  const { out, events } = parse(text);
  assert.equal(out.length, 0);
  assert.deepEqual(
    events.map((e) => e.reason),
    ['bad-value', 'bad-value'],
  );
});
