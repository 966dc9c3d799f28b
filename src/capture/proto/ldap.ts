/**
 * ldap.log and ldap_search.log, as Zeek's LDAP analyzer writes them: one ldap record per
 * non-search request (bind simple/SASL with its DN and mechanism, add, modify, delete, extended,
 * unbind …) with the result of its response; one ldap_search record per search with scope,
 * deref, base object, attributes, the count of entries returned and the final result. Filters
 * are filled in by the second pass (`LdapFilterPass`).
 */
import type { LdapRecord, LdapSearchRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import type { LdapFilterPass } from '../ldap-filters.js';
import { type Analyzer, connId, type FrameContext, setDefined } from './analyzer.js';

const OPCODES: Readonly<Record<number, string>> = {
  0: 'bind',
  2: 'unbind',
  3: 'search',
  6: 'modify',
  8: 'add',
  10: 'delete',
  12: 'modify DN',
  14: 'compare',
  16: 'abandon',
  23: 'extended',
};
/** Response op → whether it carries an LDAPResult. */
const RESULT_OPS = new Set([1, 5, 7, 9, 11, 13, 15, 24]);

export const LDAP_RESULTS: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'operations error',
  2: 'protocol error',
  3: 'time limit exceeded',
  4: 'size limit exceeded',
  5: 'compare false',
  6: 'compare true',
  7: 'auth method not supported',
  8: 'stronger auth required',
  10: 'referral',
  11: 'admin limit exceeded',
  12: 'unavailable critical extension',
  13: 'confidentiality required',
  14: 'SASL bind in progress',
  16: 'no such attribute',
  17: 'undefined attribute type',
  18: 'inappropriate matching',
  19: 'constraint violation',
  20: 'attribute or value exists',
  21: 'invalid attribute syntax',
  32: 'no such object',
  33: 'alias problem',
  34: 'invalid DN syntax',
  36: 'alias dereferencing problem',
  48: 'inappropriate authentication',
  49: 'invalid credentials',
  50: 'insufficient access rights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwilling to perform',
  54: 'loop detect',
  64: 'naming violation',
  65: 'object class violation',
  66: 'not allowed on non-leaf',
  67: 'not allowed on RDN',
  68: 'entry already exists',
  69: 'object class mods prohibited',
  71: 'affects multiple DSAs',
  80: 'other',
};
const SCOPES: Readonly<Record<number, string>> = { 0: 'base', 1: 'single', 2: 'tree' };
const DEREF: Readonly<Record<number, string>> = { 0: 'never', 1: 'searching', 2: 'finding', 3: 'always' };

interface Search {
  rec: LdapSearchRecord;
  frame: number;
}

interface State {
  ops: Map<number, LdapRecord>;
  searches: Map<number, Search>;
}

export class LdapAnalyzer implements Analyzer {
  readonly name = 'ldap';

  constructor(private readonly filters: LdapFilterPass) {}

  wants(row: Row): boolean {
    return row.has('ldap.protocolOp');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    flow.services.add(flow.proto === 'udp' ? 'ldap_udp' : 'ldap_tcp');
    const st = flow.state<State>('ldap', () => ({ ops: new Map(), searches: new Map() }));
    const frame = row.num('frame.number') ?? 0;
    const ops = row.nums('ldap.protocolOp');
    const ids = row.nums('ldap.messageID');
    const results = row.nums('ldap.resultCode');
    const errors = row.all('ldap.errorMessage');
    let resultAt = 0;
    ops.forEach((op, i) => {
      const id = ids[i] ?? 0;
      if (op === 3) {
        const rec = setDefined({ _path: 'ldap_search', ts, ...connId(flow) } as LdapSearchRecord, {
          message_id: id,
          scope: SCOPES[row.num('ldap.scope') ?? -1],
          deref_aliases: DEREF[row.num('ldap.derefAliases') ?? -1],
          base_object: row.str('ldap.baseObject'),
        });
        const attrs = row.all('ldap.AttributeDescription');
        if (attrs.length > 0) rec.attributes = attrs;
        rec.result_count = 0;
        st.searches.set(id, { rec, frame });
        this.filters.start();
        return;
      }
      if (op === 4) {
        const s = st.searches.get(id);
        if (s) s.rec.result_count = (s.rec.result_count ?? 0) + 1;
        return;
      }
      const opcode = OPCODES[op];
      if (opcode !== undefined) {
        const rec = { _path: 'ldap', ts, ...connId(flow), message_id: id } as LdapRecord;
        if (op === 0) {
          const mech = row.str('ldap.mechanism');
          rec.opcode = mech === undefined ? 'bind simple' : 'bind SASL';
          setDefined(rec, {
            version: row.num('ldap.version'),
            object: row.str('ldap.name'),
            argument: mech ?? (row.has('ldap.simple') ? 'REDACTED' : undefined),
          });
        } else {
          rec.opcode = opcode;
          setDefined(rec, { object: row.str('ldap.objectName') ?? row.str('ldap.requestName') });
        }
        if (op === 2 || op === 16) ctx.emit(rec);
        else st.ops.set(id, rec);
        return;
      }
      if (!RESULT_OPS.has(op)) return;
      const code = results[resultAt];
      const diag = errors[resultAt];
      resultAt++;
      const result = code === undefined ? undefined : (LDAP_RESULTS[code] ?? `unknown-${code}`);
      if (op === 5) {
        const s = st.searches.get(id);
        if (!s) return;
        st.searches.delete(id);
        setDefined(s.rec, { result, diagnostic_message: diag });
        this.filters.attach(s.rec, s.frame, id);
        return;
      }
      const rec = st.ops.get(id);
      if (!rec) return;
      st.ops.delete(id);
      setDefined(rec, { result, diagnostic_message: diag });
      ctx.emit(rec);
    });
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const st = flow.app.get('ldap') as State | undefined;
    if (!st) return;
    for (const rec of st.ops.values()) emit(rec);
    for (const [id, s] of st.searches) this.filters.attach(s.rec, s.frame, id);
  }
}
