/** What a protocol analyzer sees for one frame, and the shape every analyzer has. */
import type { ConnIdFields, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';

export interface FrameContext {
  readonly row: Row;
  readonly ts: number;
  readonly flow: Flow;
  /** The frame was sent by the flow's originator. */
  readonly isOrig: boolean;
  readonly emit: (rec: ZeekRecord) => void;
}

export interface Analyzer {
  readonly name: string;
  /** Cheap test on the row: does this frame carry the analyzer's protocol? */
  wants(row: Row): boolean;
  frame(ctx: FrameContext): void;
  /** The flow ended: write what is still pending (unanswered requests, open handshakes). */
  end?(flow: Flow, emit: (rec: ZeekRecord) => void): void;
}

/** The uid and 4-tuple every protocol record repeats from its connection. */
export function connId(flow: Flow): ConnIdFields {
  return {
    uid: flow.uid,
    'id.orig_h': flow.origH,
    'id.orig_p': flow.origP,
    'id.resp_h': flow.respH,
    'id.resp_p': flow.respP,
  };
}

/** Copies the defined entries of `fields` onto `rec` (Vigil records never carry unset values). */
export function setDefined<T extends ZeekRecord>(rec: T, fields: Record<string, ZeekRecord[string]>): T {
  const r = rec as Record<string, ZeekRecord[string]>;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') r[k] = v;
  return rec;
}
