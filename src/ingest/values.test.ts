import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BAD, isDecimalText, jsonScalar, parseTime, tsvConverter, unescapeZeek } from './values.js';

test('unescapeZeek decodes \\xNN escapes and \\\\, leaves plain text untouched', () => {
  assert.equal(unescapeZeek('plain'), 'plain');
  assert.equal(unescapeZeek('a\\x09b'), 'a\tb');
  assert.equal(unescapeZeek('O=SomeOrg\\x2cL=Somewhere'), 'O=SomeOrg,L=Somewhere');
  assert.equal(unescapeZeek('(name=Test\\\\28)'), '(name=Test\\28)');
  assert.equal(unescapeZeek('\\x2d'), '-');
  // an escape that is not one (no hex digits) stays as written
  assert.equal(unescapeZeek('C:\\xzz'), 'C:\\xzz');
  assert.equal(unescapeZeek('end\\x4'), 'end\\x4');
});

test('escaped bytes forming UTF-8 decode as text; raw UTF-8 passes through', () => {
  assert.equal(unescapeZeek('caf\\xc3\\xa9'), 'café');
  assert.equal(unescapeZeek('naïve \\x41'), 'naïve A');
  assert.equal(unescapeZeek('\\xf0\\x9f\\x98\\x80'), '😀');
});

test('escaped non-UTF-8 bytes stay as \\xNN text and do not mangle valid text around them', () => {
  // Zeek's JSON writer shows an invalid byte as the text \xd9; the TSV reader must agree.
  assert.equal(unescapeZeek('metm/suppozt/\\xd9ccIOST /'), 'metm/suppozt/\\xd9ccIOST /');
  // valid UTF-8 (raw é) next to an invalid escaped byte: é kept, byte kept as \xff
  assert.equal(unescapeZeek('é\\xff'), 'é\\xff');
  // a truncated multi-byte sequence: the lone lead byte is kept as text
  assert.equal(unescapeZeek('\\xe2\\x82x'), '\\xe2\\x82x');
});

test('count, int and port accept only an optional sign and digits', () => {
  const count = tsvConverter('count');
  assert.equal(count('0'), 0);
  // 2^64-1 (Zeek's max count) loses precision as documented in model/zeek-types.ts
  assert.equal(count('18446744073709551615'), 2 ** 64);
  assert.equal(tsvConverter('int')('-42'), -42);
  assert.equal(tsvConverter('port')('443'), 443);
  for (const bad of ['', ' ', '1.5', '0x10', '1e3', ' 12', '12 ', 'Infinity', '-', '+', 'T'])
    assert.equal(count(bad), BAD, JSON.stringify(bad));
});

test('time, interval and double accept decimal text only', () => {
  const time = tsvConverter('time');
  assert.equal(time('1623488460.123456'), 1623488460.123456);
  assert.equal(tsvConverter('interval')('0.000001'), 0.000001);
  assert.equal(tsvConverter('interval')('-3.5'), -3.5);
  assert.equal(tsvConverter('double')('37.751'), 37.751);
  assert.equal(tsvConverter('double')('1e-06'), 0.000001);
  assert.equal(tsvConverter('double')('.5'), 0.5);
  for (const bad of ['', ' ', '0x1f', 'Infinity', 'NaN', '1.2.3', '1e', 'XXXXXXXXXX.XXXXXX', '.', '-'])
    assert.equal(time(bad), BAD, JSON.stringify(bad));
});

test('bool is T or F; string-like types unescape', () => {
  const bool = tsvConverter('bool');
  assert.equal(bool('T'), true);
  assert.equal(bool('F'), false);
  assert.equal(bool('t'), BAD);
  assert.equal(bool('true'), BAD);
  for (const t of ['addr', 'subnet', 'string', 'enum', 'pattern', 'other'] as const)
    assert.equal(tsvConverter(t)('a\\x20b'), 'a b', t);
  assert.equal(tsvConverter('addr')('fd42:496a:d659:bb85::1'), 'fd42:496a:d659:bb85::1');
  assert.equal(tsvConverter('subnet')('10.0.0.0/8'), '10.0.0.0/8');
  assert.equal(tsvConverter('pattern')('/^?(a|b)$?/'), '/^?(a|b)$?/');
});

test('parseTime: epoch number or text, ISO-8601 to the microsecond, offsets', () => {
  assert.equal(parseTime(1623488460.5), 1623488460.5);
  assert.equal(parseTime('1623488460.123456'), 1623488460.123456);
  // ISO with microseconds gives the very same double as the epoch text
  assert.equal(parseTime('2021-06-12T09:01:00.123456Z'), 1623488460.123456);
  assert.equal(parseTime('2021-06-12T09:01:00.000001Z'), 1623488460.000001);
  assert.equal(parseTime('2021-06-12T09:01:00Z'), 1623488460);
  assert.equal(parseTime('2021-06-12T11:01:00.5+02:00'), 1623488460.5);
  assert.equal(parseTime('2021-06-12T11:01:00.5+0200'), 1623488460.5);
  for (const bad of [
    '',
    ' ',
    'yesterday',
    '2021-13-45T99:00:00Z',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    true,
  ])
    assert.equal(parseTime(bad), BAD, String(bad));
});

test('jsonScalar normalises stringified numbers and booleans, rejects the wrong shape', () => {
  assert.equal(jsonScalar('443', 'port'), 443);
  assert.equal(jsonScalar(443, 'port'), 443);
  assert.equal(jsonScalar(1.5, 'count'), BAD);
  assert.equal(jsonScalar('1.5', 'count'), BAD);
  assert.equal(jsonScalar('0.25', 'interval'), 0.25);
  assert.equal(jsonScalar('', 'double'), BAD);
  assert.equal(jsonScalar('true', 'bool'), true);
  assert.equal(jsonScalar('F', 'bool'), false);
  assert.equal(jsonScalar(1, 'bool'), BAD);
  assert.equal(jsonScalar(53, 'string'), '53');
  assert.equal(jsonScalar({ a: 1 }, 'string'), BAD);
});

test('the fast time/double converter agrees with the strict grammar on fuzzed text', () => {
  const alphabet = '0123456789.-+eExob In_';
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const toNumber = tsvConverter('double');
  for (let i = 0; i < 50_000; i++) {
    let t = '';
    const len = rand(7);
    for (let j = 0; j < len; j++) t += alphabet[rand(alphabet.length)];
    const strict = isDecimalText(t) && Number.isFinite(+t);
    const got = toNumber(t);
    assert.equal(got !== BAD, strict, JSON.stringify(t));
    if (strict) assert.equal(got, +t);
  }
});
