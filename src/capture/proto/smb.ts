/**
 * smb_mapping.log and smb_files.log from SMB2/3 (and the basics of SMB1): tree connects are
 * logged when their response succeeds (path, share type), file opens (create responses) on
 * non-pipe trees as `SMB::FILE_OPEN` with the tree's path, the name asked for (`<share_root>`
 * for the share itself) and the size the server reports; delete-on-close as `SMB::FILE_DELETE`.
 * Requests are matched to responses by message id within the flow. Pipe opens are remembered
 * (file id → pipe name) for dce_rpc's `named_pipe`.
 */
import type { SmbFilesRecord, SmbMappingRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext } from './analyzer.js';

interface Tree {
  path: string;
  shareType: string;
}

interface State {
  /** Outstanding requests by message id. */
  requests: Map<string, { ts: number; cmd: number; tree?: string; file?: string; tid?: number }>;
  trees: Map<number, Tree>;
  /** File id → name (pipes and files). */
  files: Map<string, { name: string; tree?: Tree }>;
}

const SHARE_TYPES: Readonly<Record<number, string>> = { 1: 'DISK', 2: 'PIPE', 3: 'PRINT' };
const TREE_CONNECT = 3;
const CREATE = 5;
const SET_INFO = 17;
const SMB1_TREE_CONNECT_ANDX = 0x75;
const SMB1_NT_CREATE_ANDX = 0xa2;

function state(flow: Flow): State {
  return flow.state<State>('smb', () => ({ requests: new Map(), trees: new Map(), files: new Map() }));
}

/** The pipe (file) name opened under `fid` on this flow, if seen. */
export function smbPipeName(flow: Flow, fid: string): string | undefined {
  const st = flow.app.get('smb') as State | undefined;
  return st?.files.get(fid)?.name;
}

export class SmbAnalyzer implements Analyzer {
  readonly name = 'smb';

  wants(row: Row): boolean {
    return row.has('smb2.cmd') || row.has('smb.cmd');
  }

  frame(ctx: FrameContext): void {
    const { row, flow } = ctx;
    flow.services.add('smb');
    if (row.has('smb2.cmd')) this.smb2(ctx, row, state(flow));
    else this.smb1(ctx, row, state(flow));
  }

  private smb2(ctx: FrameContext, row: Row, st: State): void {
    const { flow, ts } = ctx;
    const cmds = row.nums('smb2.cmd');
    const responses = row.all('smb2.flags.response');
    const msgIds = row.all('smb2.msg_id');
    const tids = row.nums('smb2.tid');
    const statuses = row.nums('smb2.nt_status');
    const trees = row.all('smb2.tree');
    const names = row.all('smb2.filename');
    const fids = row.all('smb2.fid');
    let treeAt = 0;
    let nameAt = 0;
    cmds.forEach((cmd, i) => {
      const isResp = responses[i] === '1' || responses[i] === 'True';
      const key = msgIds[i] ?? '';
      if (!isResp) {
        if (cmd === TREE_CONNECT) st.requests.set(key, { ts, cmd, tree: trees[treeAt++] });
        else if (cmd === CREATE) st.requests.set(key, { ts, cmd, file: names[nameAt++] ?? '', tid: tids[i] });
        else if (cmd === SET_INFO && row.bool('smb2.disposition.delete_on_close') && i === 0) {
          const f = fids[0] === undefined ? undefined : st.files.get(fids[0]);
          if (f && f.tree?.shareType !== 'PIPE')
            ctx.emit(this.file(flow, ts, 'SMB::FILE_DELETE', f.tree, f.name));
        }
        return;
      }
      const req = st.requests.get(key);
      if (!req) return;
      st.requests.delete(key);
      const ok = (statuses[i] ?? 0) === 0;
      if (cmd === TREE_CONNECT && ok && req.tree !== undefined) {
        const shareType = SHARE_TYPES[row.num('smb2.share_type') ?? 0] ?? 'DISK';
        const tree: Tree = { path: req.tree, shareType };
        st.trees.set(tids[i] ?? 0, tree);
        const rec = {
          _path: 'smb_mapping',
          ts: req.ts,
          ...connId(flow),
          path: req.tree,
          share_type: shareType,
        };
        ctx.emit(rec as SmbMappingRecord);
      } else if (cmd === CREATE && ok && i === 0) {
        const tree = req.tid === undefined ? undefined : st.trees.get(req.tid);
        const name = req.file ?? '';
        const fid = fids[0];
        if (fid !== undefined) st.files.set(fid, { name, tree });
        // A tree connected before the capture started is unknown: logged without its path.
        if (tree?.shareType !== 'PIPE') {
          const rec = this.file(flow, req.ts, 'SMB::FILE_OPEN', tree, name === '' ? '<share_root>' : name);
          const size = row.num('smb2.eof');
          if (size !== undefined) rec.size = size;
          ctx.emit(rec);
        }
      }
    });
  }

  private smb1(ctx: FrameContext, row: Row, st: State): void {
    const { flow, ts } = ctx;
    const cmd = row.num('smb.cmd');
    const key = `1:${row.str('smb.mid') ?? ''}`;
    const isResp = row.bool('smb.flags.response') === true;
    if (!isResp) {
      if (cmd === SMB1_TREE_CONNECT_ANDX) st.requests.set(key, { ts, cmd, tree: row.str('smb.path') });
      else if (cmd === SMB1_NT_CREATE_ANDX)
        st.requests.set(key, { ts, cmd, file: row.str('smb.file') ?? '', tid: row.num('smb.tid') });
      return;
    }
    const req = st.requests.get(key);
    if (!req) return;
    st.requests.delete(key);
    if ((row.num('smb.nt_status') ?? 0) !== 0) return;
    if (cmd === SMB1_TREE_CONNECT_ANDX && req.tree !== undefined) {
      const shareType = /\\IPC\$$/i.test(req.tree) ? 'PIPE' : 'DISK';
      const tree: Tree = { path: req.tree, shareType };
      st.trees.set(row.num('smb.tid') ?? 0, tree);
      const rec = {
        _path: 'smb_mapping',
        ts: req.ts,
        ...connId(flow),
        path: req.tree,
        share_type: shareType,
      };
      ctx.emit(rec as SmbMappingRecord);
    } else if (cmd === SMB1_NT_CREATE_ANDX) {
      const tree = req.tid === undefined ? undefined : st.trees.get(req.tid);
      const name = (req.file ?? '').replace(/^\\/, '');
      const fid = row.str('smb.fid');
      if (fid !== undefined) st.files.set(fid, { name, tree });
      if (tree?.shareType !== 'PIPE')
        ctx.emit(this.file(flow, req.ts, 'SMB::FILE_OPEN', tree, name === '' ? '<share_root>' : name));
    }
  }

  private file(flow: Flow, ts: number, action: string, tree: Tree | undefined, name: string): SmbFilesRecord {
    const rec = { _path: 'smb_files', ts, ...connId(flow), action, name } as SmbFilesRecord;
    if (tree) rec.path = tree.path;
    return rec;
  }
}
