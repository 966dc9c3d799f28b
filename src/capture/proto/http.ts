/**
 * http.log: one record per request/response pair, paired in order within the flow (pipelining
 * kept), `trans_depth` counting transactions. Informational 1xx responses go to `info_code` and
 * the transaction waits for its final response. Body lengths come from Content-Length.
 */
import type { HttpRecord, ZeekRecord } from '../../model/records.js';
import { type Row, toNum } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext, setDefined } from './analyzer.js';

interface State {
  depth: number;
  pending: HttpRecord[];
}

/** Zeek logs the URI with %XX escapes decoded (`unescape_URI`). */
export function unescapeUri(uri: string): string {
  return uri.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

function version(v: string | undefined): string | undefined {
  return v?.startsWith('HTTP/') ? v.slice(5) : v;
}

export class HttpAnalyzer implements Analyzer {
  readonly name = 'http';

  wants(row: Row): boolean {
    return row.has('http.request.method') || row.has('http.response.code');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    flow.services.add('http');
    const st = flow.state<State>('http', () => ({ depth: 0, pending: [] }));
    const methods = row.all('http.request.method');
    const lens = row.all('http.content_length');
    if (methods.length > 0) {
      const uris = row.all('http.request.uri');
      const versions = row.all('http.request.version');
      const hosts = row.all('http.host');
      const uas = row.all('http.user_agent');
      const refs = row.all('http.referer');
      const auth = row.str('http.authbasic');
      methods.forEach((method, i) => {
        const rec = setDefined({ _path: 'http', ts, ...connId(flow) } as HttpRecord, {
          trans_depth: ++st.depth,
          method,
          host: hosts[i],
          uri: uris[i] === undefined ? undefined : unescapeUri(uris[i]),
          referrer: refs[i],
          version: version(versions[i]),
          user_agent: uas[i],
          username:
            auth === undefined ? undefined : auth.slice(0, Math.max(0, auth.indexOf(':'))) || undefined,
        });
        rec.request_body_len = methods.length === 1 ? (toNum(lens[0]) ?? 0) : 0;
        rec.response_body_len = 0;
        st.pending.push(rec);
      });
      return;
    }
    const codes = row.nums('http.response.code');
    const phrases = row.all('http.response.phrase');
    const types = row.all('http.content_type');
    codes.forEach((code, i) => {
      if (code >= 100 && code < 200 && code !== 101) {
        const head = st.pending[0];
        if (head) {
          head.info_code = code;
          if (phrases[i]) head.info_msg = phrases[i];
        }
        return;
      }
      let rec = st.pending.shift();
      if (!rec) {
        rec = {
          _path: 'http',
          ts,
          ...connId(flow),
          trans_depth: ++st.depth,
          request_body_len: 0,
        } as HttpRecord;
      }
      rec.status_code = code;
      if (rec.version === undefined) {
        const v = version(row.all('http.response.version')[i]);
        if (v) rec.version = v;
      }
      if (phrases[i]) rec.status_msg = phrases[i];
      // Content-Length, else the sum of the chunk sizes of a chunked body.
      const chunked = row.nums('http.chunk_size').reduce((a, b) => a + b, 0);
      rec.response_body_len = codes.length === 1 ? (toNum(lens[0]) ?? chunked) : 0;
      const mime = types[i]?.split(';')[0]?.trim().toLowerCase();
      if (mime) rec.resp_mime_types = [mime];
      ctx.emit(rec);
    });
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const st = flow.app.get('http') as State | undefined;
    if (st) for (const rec of st.pending) emit(rec);
  }
}
