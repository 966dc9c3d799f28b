/**
 * Traffic at the perimeter and over the VPN: staff working from home (SonicWall SSL-VPN session
 * from a home address, then the laptop's day on its pool address), webmail from outside, partners'
 * FTP, visitors of the public web site, and the Internet's background of port probes.
 */
import type { SimContext } from '../context.js';
import { ftp, http, tls } from '../protocols.js';
import { HOUR } from '../time.js';

const HOME_PREFIXES = ['126.33', '126.72', '60.70', '153.240', '133.200', '180.12', '114.160'];
const VISITOR_UA = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.77 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 11; SO-52A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.77 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];

export function homeAddress(key: number): string {
  const prefix = HOME_PREFIXES[key % HOME_PREFIXES.length]!;
  return `${prefix}.${((key * 37) % 250) + 3}.${((key * 91) % 250) + 3}`;
}

/** The external half of a VPN session: one long TLS connection to the gateway. */
export function vpnTunnel(ctx: SimContext, ts: number, externalIp: string, until: number): void {
  const { e, net } = ctx;
  const duration = Math.max(60, until - ts);
  tls(e, {
    ts,
    client: externalIp,
    server: net.perimeter.vpn.ip,
    sni: net.perimeter.vpn.name,
    duration,
    origBytes: Math.round(duration * e.rand.between(2000, 8000)),
    respBytes: Math.round(duration * e.rand.between(10000, 60000)),
  });
}

/** Perimeter services used from outside, over [from, to): webmail, FTP partners, web visitors, probes. */
export function perimeterTraffic(ctx: SimContext, from: number, to: number, intensity = 1): void {
  const { e, net } = ctx;
  const r = e.rand;
  const p = net.perimeter;
  for (let t = from + r.exp(HOUR / (6 * intensity)); t < to; t += r.exp(HOUR / (6 * intensity))) {
    tls(e, { ts: t, client: homeAddress(r.int(0, 400)), server: p.webmail.ip, sni: p.webmail.name });
  }
  for (let t = from + r.exp(HOUR / (8 * intensity)); t < to; t += r.exp(HOUR / (8 * intensity))) {
    const ua = r.pick(VISITOR_UA);
    http(e, {
      ts: t,
      client: homeAddress(r.int(500, 2000)),
      server: p.www.ip,
      host: p.www.name,
      uri: r.pick(['/', '/products/', '/company/', '/recruit/', '/contact/', '/robots.txt']),
      userAgent: ua,
      more: r.chance(0.5)
        ? [['GET', '/css/style.css', 200, 8000] as const, ['GET', '/img/logo.png', 200, 14000] as const]
        : undefined,
    });
  }
  for (let t = from + r.exp(HOUR / intensity); t < to; t += r.exp(HOUR / intensity)) {
    ftp(e, {
      ts: t,
      client: `61.${r.pick([112, 113, 114])}.${r.int(1, 250)}.${r.int(1, 250)}`,
      server: p.ftp.ip,
      user: r.pick(['partner01', 'partner02', 'supplier-kk']),
      success: true,
      commands: [
        ['CWD', '/inbox', 250, 'Directory successfully changed.'],
        ['STOR', `drawing_${r.int(1000, 9999)}.pdf`, 226, 'Transfer complete.'],
      ],
    });
  }
  // Internet background: probes of common ports from anywhere.
  for (let t = from + r.exp(HOUR / (20 * intensity)); t < to; t += r.exp(HOUR / (20 * intensity))) {
    const src = `${r.pick([45, 89, 103, 159, 185, 193, 194, 212])}.${r.int(1, 254)}.${r.int(1, 254)}.${r.int(1, 254)}`;
    const dst = r.pick([p.vpn.ip, p.ftp.ip, p.webmail.ip, p.www.ip]);
    e.conn({
      ts: t,
      orig: src,
      resp: dst,
      respPort: r.pick([22, 23, 445, 3389, 1433, 8080, 5900]),
      state: 'S0',
    });
  }
}
