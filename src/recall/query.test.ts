import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnsFor } from './columns.js';
import { compileWhere, logsOf, parseQuery, QueryError } from './query.js';

const conn = [...columnsFor('conn'), { name: '_day', sqlType: 'VARCHAR' }];

test('terms, boolean operators, parentheses and implicit AND compile to parameterised SQL', () => {
  const w = compileWhere(
    parseQuery('id.orig_h:10.5.0.0/16 AND (service:smb OR id.resp_p:445) NOT conn_state:SF'),
    'conn',
    conn,
  )!;
  assert.match(w.sql, /BETWEEN \$1 AND \$2/);
  assert.deepEqual(w.params, [168099840, 168165375, 'smb', 445, 'SF']);
  assert.ok(!w.sql.includes('10.5'), 'no value text in SQL');
});

test('wildcards, ranges and comparisons', () => {
  const w = compileWhere(parseQuery('history:Sh* orig_bytes:>1000 id.resp_p:[1 TO 1024]'), 'conn', conn)!;
  assert.match(w.sql, /GLOB \$1/);
  assert.match(w.sql, /> \$2/);
  assert.match(w.sql, /BETWEEN \$3 AND \$4/);
  assert.deepEqual(w.params, ['Sh*', 1000, 1, 1024]);
});

test('hostile text stays a parameter', () => {
  const w = compileWhere(parseQuery(`uid:"x'; DROP TABLE conn; --"`), 'conn', conn)!;
  assert.deepEqual(w.params, ["x'; DROP TABLE conn; --"]);
  assert.doesNotMatch(w.sql, /DROP/);
});

test('a field the log lacks excludes the log; log: picks log types', () => {
  assert.equal(compileWhere(parseQuery('query:*.in-addr.arpa'), 'conn', conn), undefined);
  assert.deepEqual(logsOf(parseQuery('log:dns query:x')), ['dns']);
  assert.equal(compileWhere(parseQuery('log:dns uid:C1'), 'conn', conn), undefined);
});

test('errors point at the offending part', () => {
  for (const [q, re, at] of [
    ['uid:"open', /unterminated quote/, 4],
    ['(uid:x', /expected \)/, 6],
    ['uid:x )', /unbalanced \)/, 6],
    ['orig_bytes:>lots', /not a number/, 0],
    ['id.orig_h:10.5.0.0/33', /not an IPv4 CIDR/, 0],
    ['AND uid:x', /unexpected AND/, 0],
  ] as const) {
    assert.throws(
      () => compileWhere(parseQuery(q), 'conn', conn),
      (e: unknown) => e instanceof QueryError && re.test(e.message) && e.offset === at,
      q,
    );
  }
});
