/**
 * The console end to end in a real browser: Playwright (playwright-core, no browser download)
 * drives Debian's Chromium against the real API (`buildApp`) over a real Analysis of the
 * simulated reference incident, a DuckDB Recall store and a Responder in approve mode with a
 * local EDR vendor server. Hostile records put markup in a host name, a detection summary,
 * evidence uids and search rows: no dialog may open, no element may be created from them, and
 * the CSP (no inline script or style) must report no violation on any page.
 *
 * Skipped (with a message) where /usr/bin/chromium is missing: `.ci/run` installs it.
 * VIGIL_SCREENSHOTS=1 writes the screenshots into docs/screenshots/ (else a temp dir).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { buildConsole, HOSTILE_IP, type Stack, startStack, XSS } from './e2e-fixture.js';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const hasChromium = existsSync(CHROMIUM);
const skip = hasChromium
  ? false
  : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the console e2e tests`;

const tmp = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
const shots = process.env.VIGIL_SCREENSHOTS
  ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
  : join(tmp, 'screenshots');
let stack: Stack;
let context: BrowserContext;

/** Everything a page must never do, collected per page. */
interface Watch {
  dialogs: string[];
  errors: string[];
  csp: string[];
  offsite: string[];
}
const watches: Watch[] = [];
/** Open pages: each holds an event stream, and Chromium allows 6 connections per host. */
const pages: Page[] = [];
async function closePages(): Promise<void> {
  for (const p of pages.splice(0)) await p.close();
}

// Collects CSP violations from inside the page (Playwright injects this through the DevTools
// protocol, which the page's CSP does not apply to).
const CSP_PROBE = `
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
  });
`;

async function newPage(): Promise<{ page: Page; watch: Watch }> {
  const page = await context.newPage();
  pages.push(page);
  const watch: Watch = { dialogs: [], errors: [], csp: [], offsite: [] };
  watches.push(watch);
  await page.addInitScript(CSP_PROBE);
  page.on('dialog', (d) => {
    watch.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => watch.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) watch.csp.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(stack.url) && !r.url().startsWith('data:')) watch.offsite.push(r.url());
  });
  return { page, watch };
}

async function cspViolations(page: Page): Promise<string[]> {
  return (await page.evaluate('window.__csp || []')) as string[];
}

async function login(page: Page, token: string): Promise<void> {
  await page.goto(`${stack.url}/`);
  await page.locator('input[name=token]').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await page.locator('header.top').waitFor({ timeout: 30_000 });
  } catch (e) {
    await page.screenshot({ path: join(shots, 'login-failure.png') });
    throw new Error(`login failed: ${await page.locator('body').textContent()}`, { cause: e });
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const api = async (
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`${stack.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
};

interface Det {
  id: string;
  type: string;
  host: string;
  summary: string;
  evidence: { log: string; uid: string; ts: number }[];
}

before(async () => {
  if (!hasChromium) return;
  mkdirSync(shots, { recursive: true });
  await buildConsole(join(tmp, 'web'));
  stack = await startStack(tmp, join(tmp, 'web'));
  const { chromium } = await import('playwright-core');
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
});

afterEach(closePages);

after(async () => {
  await context?.close();
  await stack?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const attackerKey = (): string => `name:${String(stack.truth.attacker?.clientName)}`;
const HOSTILE_NAME = XSS.hostName.toUpperCase(); // identity keeps NetBIOS names upper case

test('console: sign in, the attacker host is Critical on the quadrant, open it', { skip }, async () => {
  const { page } = await newPage();
  await page.goto(`${stack.url}/`);
  await page.locator('input[name=token]').fill('vgl_000000000000_not-a-real-token-at-all-00000000000000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('The token was refused.').waitFor();
  await page.locator('input[name=token]').fill(stack.tokens.analyst);
  await page.getByRole('button', { name: 'Sign in' }).click();

  const dot = page.locator(`svg.quadrant a[data-host="${attackerKey()}"]`);
  await dot.waitFor();
  assert.equal(await dot.getAttribute('data-priority'), 'Critical');
  // Critical is the top-right quadrant: certainty ≥ 50 (x right of the split), threat ≥ 50 (y above it).
  const box = await dot.locator('circle').boundingBox();
  const split = await page.locator('svg.quadrant line.q-split').first().boundingBox();
  assert.ok(box && split && box.x > split.x, 'attacker dot right of the 50 % certainty line');
  for (const label of ['Low', 'Medium', 'High', 'Critical'])
    assert.equal(await page.locator('svg.quadrant text.q-label', { hasText: label }).count(), 1, label);
  const row = page.locator(`table.hosts tr[data-host="${attackerKey()}"]`);
  assert.equal(await row.locator('.badge').textContent(), 'Critical');
  // The host list is prioritised: the attacker's row is among the Critical rows at the top.
  const first = await page.locator('table.hosts tbody tr .badge').first().textContent();
  assert.equal(first, 'Critical');
  await page.locator('[data-live="open"]').waitFor();
  await shot(page, 'dashboard');

  await dot.click();
  await page.waitForURL(/#\/host\//);
  assert.equal(await page.getByTestId('host-title').textContent(), stack.truth.attacker?.clientName);
  assert.equal(await page.locator('.page-head .badge').textContent(), 'Critical');
  for (const chart of ['score-history', 'session-trend', 'interaction-trend'])
    await page.locator(`[data-chart="${chart}"] canvas`).first().waitFor();
  assert.ok((await page.locator('svg.lanes a[data-lane]').count()) >= 3, 'detections on the timeline');
  // The VPN pool address the attacker held, from the stored records' joined host keys.
  assert.match(
    (await page.getByTestId('addresses').textContent()) ?? '',
    new RegExp(`${stack.truth.attacker?.poolIp}`),
  );
  // In the seed's time zone the attacker's host turned Critical on the evening of Jun 12.
  assert.match(
    (await page.getByTestId('first-critical').textContent()) ?? '',
    /^2021-06-12 09:\d\d:\d\d UTC$/,
  );
  await page.locator('select.zone').selectOption('Asia/Tokyo');
  assert.match(
    (await page.getByTestId('first-critical').textContent()) ?? '',
    /^2021-06-12 18:\d\d:\d\d Asia\/Tokyo$/,
  );
  await page.locator('[data-chart="score-history"] canvas').first().waitFor();
  await shot(page, 'host');
  await page.locator('select.zone').selectOption('UTC');
  assert.deepEqual(await cspViolations(page), []);
});

test("console: a detection's evidence pivots to the SMB record in search", { skip }, async () => {
  const host = (await api(`/api/hosts/${encodeURIComponent(attackerKey())}`, stack.tokens.viewer)).json as {
    detections: Det[];
  };
  const det = host.detections.find((d) => d.evidence.some((e) => e.log.startsWith('smb')));
  assert.ok(det, 'an attacker detection with SMB evidence');
  const ev = det.evidence.find((e) => e.log.startsWith('smb'))!;

  const { page } = await newPage();
  await login(page, stack.tokens.analyst);
  await page.goto(`${stack.url}/#/host/${encodeURIComponent(attackerKey())}`);
  await page.locator(`table.detections tr[data-detection="${det.id}"] a`).click();
  await page.waitForURL(new RegExp(`#/detection/${det.id}`));
  assert.equal(await page.getByTestId('detection-summary').textContent(), det.summary);
  assert.ok((await page.locator('.detection .chip', { hasText: /^T\d{4}/ }).count()) >= 1, 'ATT&CK ids');
  assert.ok((await page.locator('table.drivers tbody tr').count()) >= 1, 'drivers');
  await shot(page, 'detection');

  await page.locator(`tr[data-evidence="${ev.uid}"] a.pivot`).first().click();
  await page.waitForURL(/#\/search\?/);
  assert.equal(await page.locator('input.query').inputValue(), `uid:${ev.uid}`);
  const hit = page.locator(`table.results tr[data-uid="${ev.uid}"][data-log="${ev.log}"]`);
  await hit.first().waitFor();
  assert.match(
    (await hit.first().textContent()) ?? '',
    /\\\\|445/,
    'the SMB record (share path or port 445)',
  );
  await page.locator('[data-chart="search-histogram"] canvas').first().waitFor();
  await shot(page, 'search');
  // Every match of the query, streamed by the API and saved as NDJSON (token in a header).
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
  assert.equal(download.suggestedFilename(), 'vigil-search.ndjson');
  const saved = readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  const rows = saved.map((l) => JSON.parse(l) as { uid: string; _log: string });
  assert.ok(rows.length >= 1 && rows.every((r) => r.uid === ev.uid));
  assert.ok(rows.some((r) => r._log === ev.log));
  assert.deepEqual(await cspViolations(page), []);
});

test('console: hostile strings render as text in host names, summaries, evidence and search rows', {
  skip,
}, async () => {
  const { page } = await newPage();
  await login(page, stack.tokens.viewer);
  const hostileKey = `name:${HOSTILE_NAME}`;
  // Dashboard: quadrant, host list, newest detections.
  await page.locator(`table.hosts tr[data-host="${hostileKey}"]`).waitFor();
  assert.equal(
    await page.locator(`table.hosts tr[data-host="${hostileKey}"] td:nth-child(2) a`).textContent(),
    HOSTILE_NAME,
  );
  assert.equal(await page.locator(`svg.quadrant a[data-host="${hostileKey}"] title`).count(), 1);

  // Host page and its detections.
  await page.locator(`table.hosts tr[data-host="${hostileKey}"] td:nth-child(2) a`).click();
  assert.equal(await page.getByTestId('host-title').textContent(), HOSTILE_NAME);
  const dets = (await api(`/api/hosts/${encodeURIComponent(hostileKey)}`, stack.tokens.viewer)).json as {
    detections: Det[];
  };
  const tool = dets.detections.find((d) => d.type === 'attack-tool-transfer');
  assert.ok(tool, 'a credential-tool detection on the hostile host');
  assert.ok(tool.summary.includes(XSS.file), `summary carries the hostile file name: ${tool.summary}`);
  const sweep = dets.detections.find((d) => d.evidence.some((e) => e.uid.startsWith(XSS.uid)));
  assert.ok(sweep, 'a detection with a hostile uid as evidence');
  const hostileUid = sweep.evidence.find((e) => e.uid.startsWith(XSS.uid))!.uid;

  await page.locator(`table.detections tr[data-detection="${tool.id}"] a`).click();
  assert.equal(await page.getByTestId('detection-summary').textContent(), tool.summary);
  assert.ok((await page.locator('table.drivers').textContent())?.includes(XSS.file));
  // The evidence row shows its record (the smb_files write, hostile name and all) as text.
  await page.locator('table.evidence td.record', { hasText: XSS.file }).first().waitFor();

  await page.goto(`${stack.url}/#/detection/${sweep.id}`);
  const evRow = page.locator(`table.evidence tr[data-evidence=${JSON.stringify(hostileUid)}]`).first();
  assert.equal(await evRow.locator('td.mono').textContent(), hostileUid);
  await evRow.locator('a.pivot').click();
  await page.waitForURL(/#\/search\?/);
  const row = page.locator(`table.results tr[data-uid=${JSON.stringify(hostileUid)}]`).first();
  await row.waitFor();
  assert.equal(await row.locator('td.mono').first().textContent(), hostileUid);

  // Search rows: user agent, URI and file name.
  await page.locator('input.query').fill(`log:http id.orig_h:${HOSTILE_IP}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('table.results tbody tr').filter({ hasText: XSS.userAgent }).first().waitFor();
  await page.locator('input.query').fill('log:smb_files name:*mimikatz*');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('table.results tbody tr').filter({ hasText: XSS.file }).first().waitFor();

  // Nothing was parsed as markup: the console itself has no <img>, one <script> (its bundle).
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.locator('script').count(), 1);
  assert.deepEqual(await cspViolations(page), []);
});

test('console: an analyst approves a queued isolation and releases it; a viewer is refused', {
  skip,
}, async () => {
  const dc1 = stack.vendor.devices.find((d) => d.name === 'DC1')!;
  const { page } = await newPage();
  await login(page, stack.tokens.analyst);
  await page.goto(`${stack.url}/#/responses`);
  const queued = page.locator('tr[data-pending="name:DC1"]');
  await queued.waitFor();
  assert.equal(dc1.contained, false);
  await queued.getByRole('button', { name: 'Approve' }).click();
  const isolated = page.locator('tr[data-isolated="name:DC1"]');
  await isolated.waitFor();
  assert.equal(dc1.contained, true, 'the EDR isolated DC1');
  assert.equal(await page.locator('tr[data-pending="name:DC1"]').count(), 0);
  await page.locator('tr[data-outcome="executed"]').first().waitFor();
  await shot(page, 'responses-isolated');

  const releaseButton = isolated.getByRole('button', { name: 'Release' });
  assert.ok(await releaseButton.isDisabled(), 'release needs a reason');
  await isolated.getByRole('textbox').fill('false positive: planned DC maintenance');
  await releaseButton.click();
  await page.locator('tr[data-isolated="name:DC1"]').waitFor({ state: 'detached' });
  assert.equal(dc1.contained, false, 'the EDR released DC1');
  await page.locator('tr[data-outcome="released"]').first().waitFor();
  const audit = (await page.locator('table.audit').textContent()) ?? '';
  assert.match(audit, /alice/);
  assert.match(audit, /planned DC maintenance/);

  // A viewer sees the queue and the log but no buttons; the API refuses its POSTs.
  const v = await newPage();
  await login(v.page, stack.tokens.viewer);
  await v.page.goto(`${stack.url}/#/responses`);
  await v.page.locator('tr[data-pending="name:DC2"]').waitFor();
  await v.page.getByText('Your token is a viewer token').waitFor();
  assert.equal(await v.page.locator('main button').count(), 0);
  const fromBrowser = await v.page.evaluate(
    `fetch('/api/responses/q2/approve', { method: 'POST', headers: { authorization: 'Bearer ${stack.tokens.viewer}' } }).then((r) => r.status)`,
  );
  assert.equal(fromBrowser, 403);
  assert.equal((await api('/api/responses/q2/approve', stack.tokens.viewer, {})).status, 403);
  assert.equal(
    (
      await api(`/api/hosts/${encodeURIComponent('name:DC1')}/release`, stack.tokens.viewer, {
        reason: 'nope',
      })
    ).status,
    403,
  );
  assert.equal(stack.vendor.devices.find((d) => d.name === 'DC2')!.contained, false);

  // The analyst rejects the other queued isolation: it leaves the queue, nothing is touched.
  await page.goto(`${stack.url}/#/responses`);
  await page.locator('tr[data-pending="name:DC2"]').getByRole('button', { name: 'Reject' }).click();
  await page.locator('tr[data-pending="name:DC2"]').waitFor({ state: 'detached' });
  await page.locator('tr[data-outcome="rejected"]').first().waitFor();
  assert.equal(stack.vendor.devices.find((d) => d.name === 'DC2')!.contained, false);
  assert.deepEqual(await cspViolations(page), []);
});

test('console: live updates arrive over the authenticated event stream; Japanese UI', { skip }, async () => {
  const { page } = await newPage();
  await login(page, stack.tokens.viewer);
  const live = page.locator('header .live');
  await page.locator('[data-live="open"]').waitFor();
  const before = await live.getAttribute('title');
  stack.events.publish({
    type: 'priority',
    data: { host: attackerKey(), from: 'High', to: 'Critical', ts: 1 },
  });
  await page.waitForFunction(
    `document.querySelector('header .live').getAttribute('title') !== ${JSON.stringify(before)}`,
  );
  assert.match((await live.getAttribute('title')) ?? '', /^1 /);
  const item = page.locator('#live-feed li[data-event="priority"]');
  await item.waitFor();
  assert.match((await item.textContent()) ?? '', /WIN-.*High → Critical/);
  // The stream carries the token in a header, never in the URL.
  assert.equal((await fetch(`${stack.url}/api/events`)).status, 401);

  await page.getByTestId('lang').click();
  await page.getByRole('link', { name: 'ダッシュボード' }).waitFor();
  assert.equal(await page.locator('svg.quadrant text.q-label-critical').textContent(), '重大');
  await shot(page, 'dashboard-ja');
  await page.getByTestId('lang').click();
});

test('console: the CSP is enforced, no page raised an error, opened a dialog or left the origin', {
  skip,
}, async () => {
  // The probe itself works: an inline style set through markup is refused and reported.
  const { page, watch } = await newPage();
  await login(page, stack.tokens.viewer);
  await page.evaluate(`document.body.setAttribute('style', 'background: red')`);
  await page.waitForFunction('window.__csp.length > 0');
  assert.match((await cspViolations(page)).join('\n'), /style-src/);
  watches.splice(watches.indexOf(watch), 1);
  for (const w of watches) {
    assert.deepEqual(w.dialogs, []);
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.csp, []);
    assert.deepEqual(w.offsite, []);
  }
});
