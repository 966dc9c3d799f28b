import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dayOfFile, lit, shiftParams, subjectCondition } from './duckdb-sql.js';

test('shiftParams renumbers after earlier logs and pushes only the values the SQL uses', () => {
  const params: (string | number)[] = ['earlier'];
  // $1 unused (a log without uid), $2 used twice.
  const sql = shiftParams({ sql: '(FALSE OR a ILIKE $2 OR b ILIKE $2)', params: ['x', '%x%'] }, params);
  assert.equal(sql, '(FALSE OR a ILIKE $2 OR b ILIKE $2)');
  assert.deepEqual(params, ['earlier', '%x%']);
  const next = shiftParams({ sql: '"uid" = $1 AND n > $2', params: ['C1', 5] }, params);
  assert.equal(next, '"uid" = $3 AND n > $4');
  assert.deepEqual(params, ['earlier', '%x%', 'C1', 5]);
});

test('subjectCondition: one branch per column; Vigil tables by host; the host directory left out', () => {
  const conn = new Set(['ts', 'id.orig_h', 'id.resp_h', '_orig_host', '_resp_host', '_account']);
  const p: (string | number)[] = [];
  assert.deepEqual(subjectCondition({ ips: ['10.0.0.1'] }, conn, p), [
    '"id.orig_h" IN ($1)',
    '"id.resp_h" IN ($1)',
  ]);
  assert.deepEqual(subjectCondition({ hosts: ['name:A', 'mac:x'] }, conn, p), [
    '_orig_host IN ($2, $3)',
    '_resp_host IN ($2, $3)',
  ]);
  assert.deepEqual(subjectCondition({ account: 'corp\\a' }, conn, p), ['_account = $4']);
  assert.deepEqual(p, ['10.0.0.1', 'name:A', 'mac:x', 'corp\\a']);
  assert.deepEqual(subjectCondition({ hosts: ['name:A'] }, new Set(['ts', 'host', 'type']), []), [
    'host IN ($1)',
  ]);
  assert.equal(subjectCondition({ hosts: ['name:A'] }, new Set(['ts', 'host', 'keys']), []), undefined);
  assert.equal(subjectCondition({ account: 'a' }, new Set(['ts', 'host']), []), undefined);
});

test('literals are quoted; a file names its day partition', () => {
  assert.equal(lit("it's"), "'it''s'");
  assert.equal(dayOfFile('/s/_log=conn/_day=2021-06-12/p-0.parquet'), '2021-06-12');
});
