/**
 * ssh.log: one record per SSH connection, written at flow end: the client's and server's
 * version banners and the protocol version (2 when the server speaks 2.0 or 1.99).
 */
import type { SshRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext } from './analyzer.js';

export class SshAnalyzer implements Analyzer {
  readonly name = 'ssh';

  wants(row: Row): boolean {
    return row.has('ssh.protocol');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts, isOrig } = ctx;
    flow.services.add('ssh');
    const rec = flow.state<SshRecord>('ssh', () => ({ _path: 'ssh', ts, ...connId(flow) }) as SshRecord);
    const banner = row.str('ssh.protocol')?.trim();
    if (banner === undefined) return;
    if (isOrig) rec.client = banner;
    else rec.server = banner;
    const v = /^SSH-(\d+\.\d+)-/.exec(banner)?.[1];
    if (!isOrig && v) rec.version = v === '1.99' || v.startsWith('2') ? 2 : 1;
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const rec = flow.app.get('ssh') as SshRecord | undefined;
    if (rec) {
      if (rec.version === undefined && rec.client) rec.version = /^SSH-1\.(?!99)/.test(rec.client) ? 1 : 2;
      emit(rec);
    }
  }
}
