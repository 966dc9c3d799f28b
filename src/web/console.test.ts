/**
 * Console checks that need no browser: routes survive hostile host keys, links are built only
 * from validated values, the source has no HTML sinks, the built page has no inline script or
 * style, and the API serves it under the strict CSP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Analysis } from '../pipeline/analysis.js';
import { buildApp } from '../server/app.js';
import { EventHub } from '../server/events.js';
import { TokenStore } from '../server/tokens.js';
import { buildConsole, XSS } from './e2e-fixture.js';
import { attackUrl, bucketFor, fmtTime } from './ui/format.js';
import { href, parseRoute } from './ui/router.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-console-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('routes: hostile host keys and queries round-trip through the URL hash', () => {
  for (const key of [`name:${XSS.hostName}`, 'name:a/b#c?d=e&f', '10.5.0.70', 'name:ＷＩＮ-日本語']) {
    const h = href({ page: 'host', key });
    assert.ok(h.startsWith('#/host/'), h);
    assert.deepEqual(parseRoute(h), { page: 'host', key });
  }
  const q = `uid:"${XSS.uid}" AND name:*&offset=9#x`;
  assert.deepEqual(parseRoute(href({ page: 'search', q, from: 10, to: 20, offset: 100 })), {
    page: 'search',
    q,
    from: 10,
    to: 20,
    offset: 100,
  });
  assert.deepEqual(parseRoute('#/detection/<script>'), { page: 'dashboard' });
  assert.deepEqual(parseRoute('#/host/%E0%A4%A'), { page: 'host', key: '%E0%A4%A' });
  assert.deepEqual(parseRoute('javascript:alert(1)'), { page: 'dashboard' });
});

test('format: ATT&CK links only for well-formed ids; UTC times; bucket sizes', () => {
  assert.equal(attackUrl('T1021.002'), 'https://attack.mitre.org/techniques/T1021/002/');
  assert.equal(attackUrl('T1046'), 'https://attack.mitre.org/techniques/T1046/');
  for (const bad of ['javascript:alert(1)', 'T1046/../../x', 'T10461', '"><b>'])
    assert.equal(attackUrl(bad), undefined);
  assert.equal(fmtTime(1623488464.218), '2021-06-12 09:01:04');
  assert.equal(fmtTime('x'), 'x');
  assert.equal(bucketFor(0, 86_400, 120), 900);
});

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

test('source: no HTML sinks and no inline styles anywhere in the console', () => {
  const ui = fileURLToPath(new URL('./ui/', import.meta.url));
  const sinks =
    /innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write|\beval\(|new Function\(|setAttribute\(\s*['"]style|\sstyle=\{/;
  for (const f of files(ui).filter((x) => /\.(tsx?|css)$/.test(x))) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, sinks, f);
  }
});

test('build: the page loads its script and styles from files; the API serves it under the strict CSP', async () => {
  const out = join(tmp, 'web');
  await buildConsole(out);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
  const assets = files(out).map((f) => f.slice(out.length));
  assert.ok(assets.some((f) => f.endsWith('.js')) && assets.some((f) => f.endsWith('.css')));

  const app = buildApp({
    analysis: new Analysis(),
    summary: () => ({
      records: 0,
      byLog: {},
      rejected: {},
      rejectedTotal: 0,
      firstTs: null,
      lastTs: null,
      files: 0,
      late: 0,
    }),
    tokens: new TokenStore(join(tmp, 'tokens.json')),
    events: new EventHub(),
    log: () => {},
    web: async (p) => {
      try {
        return {
          body: readFileSync(join(out, p)),
          type: p.endsWith('.html') ? 'text/html' : 'text/javascript',
        };
      } catch {
        return undefined;
      }
    },
  });
  for (const path of ['/', '/host/anything']) {
    const res = await app.request(path);
    assert.equal(res.status, 200, path);
    assert.match(await res.text(), /<div id="app">/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  }
  const events = await app.request('/api/events');
  assert.equal(events.status, 401, 'the event stream needs the token like every API route');
});
