import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { type AlertEvent, toCef } from './cef.js';
import { AlertRouter, JsonlOutput, SyslogOutput, WebhookOutput } from './outputs.js';

const EVENT: AlertEvent = {
  kind: 'detection-new',
  eventTime: 1_623_488_580.5,
  host: 'name:WIN-3K1DDF9AB2C',
  src: '10.5.200.7',
  type: 'port-sweep',
  detectionId: '0123456789abcdef',
  category: 'reconnaissance',
  attack: ['T1046'],
  threat: 40,
  certainty: 70,
  priority: 'Medium',
  summary: 'evil|name=x\\y\nCEF:0|forged',
};

test('CEF escapes attacker-controlled text so no field or event can be forged', () => {
  const cef = toCef(EVENT, '0.1.0');
  assert.equal(cef.split('\n').length, 1);
  assert.match(
    cef,
    /^CEF:0\|Vigil\|Vigil NDR\|0\.1\.0\|port-sweep\|evil\\\|name=x\\\\y CEF:0\\\|forged\|6\|/,
  );
  assert.match(cef, / msg=evil\|name\\=x\\\\y\\nCEF:0\|forged$/);
});

test('syslog over UDP and TCP (RFC 6587 octet counting) reach a real receiver', async () => {
  const udp = createSocket('udp4');
  const gotUdp = new Promise<string>((r) => udp.on('message', (m) => r(m.toString())));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  let tcpData = '';
  const tcp = createNetServer((s) => s.on('data', (d) => (tcpData += d.toString())));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  const router = new AlertRouter([
    new SyslogOutput({ host: '127.0.0.1', port: udp.address().port, transport: 'udp', version: '0.1.0' }),
    new SyslogOutput({
      host: '127.0.0.1',
      port: (tcp.address() as AddressInfo).port,
      transport: 'tcp',
      version: '0.1.0',
    }),
  ]);
  try {
    router.publish(EVENT);
    await router.close();
    const u = await gotUdp;
    // local4 (20) × 8 + severity 3 (CEF 6 maps to "error").
    assert.match(u, /^<163>1 \S+ \S+ vigil \d+ - - CEF:0\|Vigil/);
    for (let i = 0; i < 50 && tcpData === ''; i++) await new Promise((r) => setTimeout(r, 20));
    const m = /^(\d+) (.*)$/s.exec(tcpData);
    assert.ok(m, tcpData);
    assert.equal(Number(m[1]), Buffer.byteLength(m[2]!));
  } finally {
    udp.close();
    tcp.close();
  }
});

test('syslog over TLS to a real TLS receiver, verifying its certificate', {
  skip: existsSync('/usr/bin/openssl') ? false : 'openssl not installed',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  let data = '';
  const server = createTlsServer({ key: readFileSync(join(dir, 'k.pem')), cert }, (s) =>
    s.on('data', (d) => (data += d.toString())),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const ok = new AlertRouter([
    new SyslogOutput({
      host: '127.0.0.1',
      port,
      transport: 'tls',
      ca: cert,
      servername: 'localhost',
      version: '1',
    }),
  ]);
  ok.publish(EVENT);
  await ok.close();
  for (let i = 0; i < 50 && data === ''; i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(data, /CEF:0\|Vigil/);
  // Without trusting that CA the connection must fail (certificate verified), and be reported.
  const errors: string[] = [];
  const bad = new AlertRouter(
    [new SyslogOutput({ host: '127.0.0.1', port, transport: 'tls', version: '1' })],
    (o, e) => errors.push(`${o}: ${e.message}`),
  );
  bad.publish(EVENT);
  await bad.close();
  assert.equal(bad.failures.get('syslog-tls'), 1);
  assert.match(errors[0]!, /certificate/i);
  server.close();
});

test('signed webhook and JSONL file', async () => {
  const received: { body: string; sig: string; ts: string }[] = [];
  const http = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({
        body,
        sig: String(req.headers['x-vigil-signature']),
        ts: String(req.headers['x-vigil-timestamp']),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-alert-')), 'alerts.jsonl');
  const router = new AlertRouter([
    new WebhookOutput(`http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`, 's3cret'),
    new JsonlOutput(file),
  ]);
  router.publish(EVENT);
  router.publish({ ...EVENT, kind: 'priority-change', previousPriority: 'High', priority: 'Critical' });
  await router.close();
  assert.equal(received.length, 2);
  const r0 = received[0]!;
  assert.equal(
    r0.sig,
    `sha256=${createHmac('sha256', 's3cret').update(`${r0.ts}.${r0.body}`).digest('hex')}`,
  );
  assert.equal((JSON.parse(r0.body) as AlertEvent).host, EVENT.host);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 2);
  assert.equal((JSON.parse(lines[1]!) as AlertEvent).priority, 'Critical');
  http.close();
});
