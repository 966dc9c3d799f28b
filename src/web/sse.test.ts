import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from './ui/sse.js';

test('sse: events split across chunks and line-end styles', () => {
  const p = new SseParser();
  assert.deepEqual(p.feed('event: detection\nda'), []);
  assert.deepEqual(p.feed('ta: {"a":1}\n\n'), [{ event: 'detection', data: '{"a":1}' }]);
  assert.deepEqual(p.feed(': comment\r\ndata: x\r'), []);
  assert.deepEqual(p.feed('\ndata: y\r\n\r\n'), [{ event: 'message', data: 'x\ny' }]);
  assert.deepEqual(p.feed('event: ping\ndata:1\nid: 7\n\nevent: priority\ndata\n\n'), [
    { event: 'ping', data: '1', id: '7' },
    { event: 'priority', data: '', id: '7' },
  ]);
});

test('sse: a field without data dispatches nothing; the event name resets', () => {
  const p = new SseParser();
  assert.deepEqual(p.feed('event: response\n\ndata: z\n\n'), [{ event: 'message', data: 'z' }]);
});
