/**
 * ftp.log: one record per command/reply pair for the commands Zeek logs by default
 * (`FTP::logged_commands`: transfers and data-channel setup), with the user of the session
 * (`<unknown>` before USER) and the server's reply.
 */
import type { FtpRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext } from './analyzer.js';

export const FTP_LOGGED_COMMANDS: ReadonlySet<string> = new Set([
  'APPE',
  'DELE',
  'RETR',
  'STOR',
  'STOU',
  'ACCT',
  'PORT',
  'PASV',
  'EPRT',
  'EPSV',
]);

interface State {
  user: string;
  password?: string;
  cwd: string;
  pending: FtpRecord[];
}

/** Users whose password Zeek logs in clear (`FTP::guest_ids`); others show `<hidden>`. */
const GUEST_IDS = new Set(['anonymous', 'ftp', 'ftpuser', 'guest']);
/** Commands whose argument Zeek logs as a full `ftp://host/path` URL. */
const FILE_COMMANDS = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'DELE']);

/** `h1,h2,h3,h4,p1,p2` (PORT argument, 227 reply) → [address, port]. */
function hostPort(text: string): [string, number] | undefined {
  const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(text);
  if (!m) return undefined;
  const n = m.slice(1).map(Number);
  return [`${n[0]}.${n[1]}.${n[2]}.${n[3]}`, (n[4] ?? 0) * 256 + (n[5] ?? 0)];
}

export class FtpAnalyzer implements Analyzer {
  readonly name = 'ftp';
  /** Data channels announced by PORT/EPRT/PASV/EPSV: `host|port` → when, for `ftp-data`. */
  private readonly expected = new Map<string, number>();

  /** A new flow to an announced data-channel endpoint is FTP data (Zeek's expected connection). */
  isDataChannel(respH: string, respP: number, now: number): boolean {
    const at = this.expected.get(`${respH}|${respP}`);
    if (at === undefined) return false;
    this.expected.delete(`${respH}|${respP}`);
    return now - at < 300;
  }

  private expect(host: string, port: number, now: number): void {
    if (this.expected.size > 10_000) this.expected.clear();
    this.expected.set(`${host}|${port}`, now);
  }

  wants(row: Row): boolean {
    return row.has('ftp.request.command') || row.has('ftp.response.code');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    flow.services.add('ftp');
    const st = flow.state<State>('ftp', () => ({ user: '<unknown>', cwd: '.', pending: [] }));
    const cmds = row.all('ftp.request.command');
    const args = row.all('ftp.request.arg');
    cmds.forEach((c, i) => {
      const command = c.toUpperCase();
      const arg = args[i];
      if (command === 'USER' && arg) st.user = arg;
      if (command === 'PASS' && arg !== undefined) st.password = arg;
      if (command === 'PORT' && arg) {
        const hp = hostPort(arg);
        if (hp) this.expect(hp[0], hp[1], ts);
      }
      if (command === 'EPRT' && arg) {
        const parts = arg.split(arg[0] ?? '|');
        if (parts[2] && parts[3]) this.expect(parts[2], Number(parts[3]), ts);
      }
      if (command === 'CWD' && arg) st.cwd = arg.startsWith('/') ? arg : `${st.cwd}/${arg}`;
      const rec = { _path: 'ftp', ts, ...connId(flow), user: st.user, command } as FtpRecord;
      if (st.password !== undefined)
        rec.password = GUEST_IDS.has(st.user.toLowerCase()) ? st.password : '<hidden>';
      if (arg) {
        const path = arg.startsWith('/') ? arg : `${st.cwd}/${arg}`;
        rec.arg = FILE_COMMANDS.has(command)
          ? `ftp://${flow.respH}${path.startsWith('/') ? '' : '/'}${path}`
          : arg;
      }
      st.pending.push(rec);
    });
    const codes = row.nums('ftp.response.code');
    const msgs = row.all('ftp.response.arg');
    codes.forEach((code, i) => {
      // Intermediate multi-line or 1xx preliminary replies do not finish a command.
      if (code < 200) return;
      const msg = msgs[i] ?? '';
      if (code === 227) {
        const hp = hostPort(msg);
        if (hp) this.expect(hp[0], hp[1], ts);
      } else if (code === 229) {
        const port = /\(\|\|\|(\d+)\|\)/.exec(msg)?.[1];
        if (port) this.expect(flow.respH, Number(port), ts);
      }
      const rec = st.pending.shift();
      if (!rec) return;
      rec.reply_code = code;
      if (msgs[i]) rec.reply_msg = msgs[i];
      if (FTP_LOGGED_COMMANDS.has(rec.command ?? '')) ctx.emit(rec);
    });
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const st = flow.app.get('ftp') as State | undefined;
    if (st) for (const rec of st.pending) if (FTP_LOGGED_COMMANDS.has(rec.command ?? '')) emit(rec);
  }
}
