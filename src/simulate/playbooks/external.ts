/**
 * External steps, seen at the perimeter: the rare user agent (Jun 3), probing of VPN/FTP/webmail
 * from one subnet (Jun 8–12) and HTTP vulnerability checks against the Apache web server (Jun 9).
 */
import type { SimContext } from '../context.js';
import { ftp, http, tls } from '../protocols.js';
import { DAY, HOUR } from '../time.js';
import { runStep, type StepRecord } from './types.js';

export interface RareUserAgentParams {
  readonly ts: number;
  readonly source: string;
  readonly server: string;
  readonly host: string;
  readonly userAgent: string;
  readonly requests?: number;
}

export function rareUserAgent(ctx: SimContext, p: RareUserAgentParams): StepRecord {
  return runStep(ctx, 'rare-user-agent', p.source, p.ts, () => {
    const n = p.requests ?? 2;
    const more = Array.from(
      { length: n - 1 },
      (_, i) => ['GET', i === 0 ? '/favicon.ico' : `/${ctx.e.rand.hex(6)}`, 404, 196] as const,
    );
    const c = http(ctx.e, {
      ts: p.ts,
      client: p.source,
      server: p.server,
      host: p.host,
      uri: '/',
      userAgent: p.userAgent,
      responseBytes: 5120,
      more,
    });
    return c.end + 1;
  });
}

export interface ExternalReconParams {
  /** Probing addresses (one subnet). */
  readonly sources: readonly string[];
  /** First and last local day of probing (epoch of their midnights). */
  readonly firstDay: number;
  readonly lastDay: number;
  readonly vpn: { readonly ip: string; readonly name: string };
  readonly ftp: { readonly ip: string };
  readonly webmail: { readonly ip: string; readonly name: string };
  /** Probes per day (each one a handful of connections). */
  readonly probesPerDay: number;
  /** Last moment probes may happen (before the VPN login). */
  readonly notAfter?: number;
}

export function externalRecon(ctx: SimContext, p: ExternalReconParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  const times: number[] = [];
  for (let day = p.firstDay; day <= p.lastDay; day += DAY) {
    for (let i = 0; i < p.probesPerDay; i++) {
      const t = day + r.between(0, 24) * HOUR;
      if (p.notAfter === undefined || t < p.notAfter) times.push(t);
    }
  }
  times.sort((a, b) => a - b);
  return runStep(ctx, 'external-recon', p.sources[0]!, times[0] ?? p.firstDay, () => {
    let last = p.firstDay;
    for (const t of times) {
      const src = r.pick(p.sources);
      const kind = r.pick(['vpn', 'vpn', 'ftp', 'webmail'] as const);
      if (kind === 'vpn') {
        tls(e, {
          ts: t,
          client: src,
          server: p.vpn.ip,
          sni: p.vpn.name,
          duration: r.between(0.3, 2),
          origBytes: r.int(600, 1500),
          respBytes: r.int(3000, 6000),
        });
        e.conn({ ts: t + r.between(1, 5), orig: src, resp: p.vpn.ip, respPort: 4433, state: 'REJ' });
      } else if (kind === 'ftp') {
        ftp(e, {
          ts: t,
          client: src,
          server: p.ftp.ip,
          user: r.pick(['anonymous', 'admin', 'ftp', 'test']),
          success: false,
        });
      } else {
        tls(e, {
          ts: t,
          client: src,
          server: p.webmail.ip,
          sni: p.webmail.name,
          duration: r.between(0.3, 3),
          origBytes: r.int(700, 2000),
          respBytes: r.int(4000, 9000),
        });
        http(e, {
          ts: t + 2,
          client: src,
          server: p.webmail.ip,
          host: p.webmail.name,
          uri: r.pick(['/owa/', '/owa/auth/logon.aspx', '/ecp/', '/autodiscover/autodiscover.xml']),
          status: 301,
          responseBytes: 0,
          userAgent:
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.93 Safari/537.36',
        });
      }
      last = Math.max(last, t + 10);
    }
    return last;
  });
}

export const APACHE_CHECKS: ReadonlyArray<readonly [string, string, number]> = [
  ['GET', '/server-status', 403],
  ['GET', '/cgi-bin/test-cgi', 404],
  ['GET', '/.env', 404],
  ['POST', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', 404],
  [
    'GET',
    '/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP',
    404,
  ],
  ['POST', '/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh', 400],
  ['GET', '/icons/.%2e/%2e%2e/%2e%2e/etc/passwd', 400],
  ['GET', '/solr/admin/info/system?wt=json', 404],
  ['POST', '/api/jsonws/invoke', 404],
  ['GET', '/?XDEBUG_SESSION_START=phpstorm', 200],
  ['GET', '/manager/html', 404],
  ['POST', '/HNAP1/', 404],
];

export interface WebVulnScanParams {
  readonly start: number;
  readonly sources: readonly string[];
  readonly server: string;
  readonly host: string;
  readonly scannerUserAgent: string;
  /** The rare UA, used briefly from `rareSource`. */
  readonly rareUserAgent: string;
  readonly rareSource: string;
  readonly requests: number;
}

export function webVulnScan(ctx: SimContext, p: WebVulnScanParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  return runStep(ctx, 'web-vuln-scan', p.sources[0]!, p.start, () => {
    let t = p.start;
    for (let i = 0; i < p.requests; i++) {
      t += r.between(0.5, 20);
      const [method, uri, status] = r.pick(APACHE_CHECKS);
      http(e, {
        ts: t,
        client: r.pick(p.sources),
        server: p.server,
        host: p.host,
        method,
        uri,
        status,
        requestBytes: method === 'POST' ? r.int(40, 400) : 0,
        responseBytes: status === 200 ? 5120 : r.int(196, 320),
        userAgent: p.scannerUserAgent,
      });
    }
    // The rare user agent, briefly, from the address first seen on Jun 3.
    t += r.between(30, 300);
    const rare = e.sink.marked({ step: 'web-vuln-scan', host: p.rareSource }, () =>
      http(e, {
        ts: t,
        client: p.rareSource,
        server: p.server,
        host: p.host,
        uri: '/',
        userAgent: p.rareUserAgent,
        responseBytes: 5120,
        more: [['POST', '/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh', 400, 226]],
      }),
    );
    return rare.end + 1;
  });
}
