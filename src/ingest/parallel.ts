/**
 * Parallel reading of one file: the main thread reads and splits chunks into blocks of whole
 * lines (LineSplitter, as always), worker threads decode the blocks into tapes (fast-decode.ts),
 * and the main thread turns each tape into records, block by block in file order.
 *
 * What stays exactly as on the single-thread path:
 *  - one AutoParser per file, on the main thread: it sees the first block, every TSV header
 *    line (the pipeline is drained before a header changes the layout), and every line the
 *    fast decoder declines, with its exact line number, in file order;
 *  - rejects: only the main thread rejects, in file order — anything the LineSplitter reports
 *    itself (invalid UTF-8, oversized lines) first drains the blocks ahead of it;
 *  - record order within the file.
 *
 * Crossing the thread boundary: a block goes to a worker as one string (one memcpy), its tape
 * comes back as two transferred typed arrays (no copy). The main thread waits with
 * Atomics.wait + receiveMessageOnPort, synchronously, so that it can drain in the middle of a
 * LineSplitter call.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { ZeekRecord } from '../model/records.js';
import type { AutoParser } from './auto-parser.js';
import {
  decodeBlock,
  type FastLayout,
  jsonLayout,
  Materializer,
  makeLayout,
  type Tape,
} from './fast-decode.js';
import { LineSplitter } from './lines.js';
import { type RejectEvent, RejectSink } from './rejects.js';
import { TsvParser } from './tsv-parser.js';

/** Files at least this big (on disk; gzip counted ×4) are read in parallel when workers > 0. */
export const DEFAULT_PARALLEL_MIN_BYTES = 8 * 1024 * 1024;

/** Read (and so block) size of the parallel path; see file-source.ts. */
export const DEFAULT_PARALLEL_CHUNK_BYTES = 256 * 1024;

interface Job {
  readonly id: number;
  readonly text: string;
  readonly firstLineNo: number;
  readonly layout: FastLayout;
  /** The worker decoding it; undefined when the main thread decoded it itself. */
  readonly slot: Slot | undefined;
  tape?: Tape;
  error?: string;
  /** Milliseconds the worker spent decoding. */
  ms?: number;
}

interface Slot {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly counter: Int32Array;
  /** Jobs sent to this worker and not yet answered, oldest first (a worker answers in order). */
  readonly pending: Job[];
  /** Exited or silent for WORKER_TIMEOUT_MS: gets no more blocks. */
  dead: boolean;
}

/** How long a wait for one block may take before the worker is considered lost. */
const WORKER_TIMEOUT_MS = 30_000;

/**
 * The worker's bootstrap: loads parallel-worker.js (built) or parallel-worker.ts through tsx
 * (tests run the sources), and if loading fails answers every block with an error, so the
 * main thread reads those blocks itself instead of waiting for a worker that never answers.
 */
const BOOTSTRAP = `
const { workerData, parentPort } = require('node:worker_threads');
const load = workerData.tsx
  ? import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.url); })
  : import(workerData.url);
load.catch((err) => {
  const counter = new Int32Array(workerData.signal);
  parentPort.on('message', (job) => {
    if (job.id === undefined) return;
    workerData.port.postMessage({ id: job.id, error: 'worker failed to load: ' + String(err) });
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  });
});`;

function workerSource(): { url: string; tsx: string | undefined } {
  // Built: dist/ingest/parallel.js next to parallel-worker.js; under tsx (tests): the .ts files.
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`./parallel-worker${ts ? '.ts' : '.js'}`, import.meta.url).href;
  return { url, tsx: ts ? import.meta.resolve('tsx/esm/api') : undefined };
}

class Pool {
  readonly slots: Slot[] = [];
  private seq = 0;

  /** Starts workers until there are `size` (a pool only grows: jobs may be in flight). */
  grow(size: number): void {
    while (this.slots.length < size) {
      const { port1, port2 } = new MessageChannel();
      const signal = new SharedArrayBuffer(4);
      const worker = new Worker(BOOTSTRAP, {
        eval: true,
        workerData: { port: port2, signal, ...workerSource() },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      const slot: Slot = { worker, port: port1, counter: new Int32Array(signal), pending: [], dead: false };
      // A worker that dies (it should not: it catches its own errors) fails its blocks over to
      // the main thread instead of taking the process down.
      const lost = (): void => this.lose(slot, 'worker exited');
      worker.on('error', lost);
      worker.on('exit', lost);
      this.slots.push(slot);
    }
  }

  private lose(slot: Slot, why: string): void {
    slot.dead = true;
    for (const job of slot.pending.splice(0)) job.error = why;
  }

  /**
   * Sends a block to the least busy worker; when every worker already has `maxPending` blocks
   * (or none is left), the calling thread decodes it itself rather than wait idle for them.
   */
  submit(text: string, firstLineNo: number, layout: FastLayout, maxPending: number): Job {
    let slot: Slot | undefined;
    for (const s of this.slots) if (!s.dead && (!slot || s.pending.length < slot.pending.length)) slot = s;
    if (!slot || slot.pending.length >= maxPending) {
      const t0 = performance.now();
      const tape = decodeBlock(text, layout);
      return { id: this.seq++, text, firstLineNo, layout, slot: undefined, tape, ms: performance.now() - t0 };
    }
    const job: Job = { id: this.seq++, text, firstLineNo, layout, slot };
    slot.pending.push(job);
    slot.worker.postMessage({ id: job.id, text, layout });
    return job;
  }

  /** Takes the answers that have arrived for `job`'s worker up to `job`; blocks if `wait`. */
  settle(job: Job, wait: boolean): boolean {
    const slot = job.slot;
    if (slot === undefined) return true;
    let waited = 0;
    while (job.tape === undefined && job.error === undefined) {
      const seen = Atomics.load(slot.counter, 0);
      const msg = receiveMessageOnPort(slot.port) as
        | { message: { id: number; tape?: Tape; error?: string; ms?: number } }
        | undefined;
      if (msg) {
        const done = slot.pending.shift();
        if (done === undefined || done.id !== msg.message.id) {
          this.lose(slot, 'worker answers out of order');
          if (done) done.error = 'worker answers out of order';
          continue;
        }
        done.ms = msg.message.ms;
        if (msg.message.tape) done.tape = msg.message.tape;
        else done.error = msg.message.error ?? 'worker failed';
        continue;
      }
      if (!wait) return false;
      if (Atomics.wait(slot.counter, 0, seen, 1000) === 'timed-out') {
        waited += 1000;
        if (waited >= WORKER_TIMEOUT_MS) this.lose(slot, 'worker did not answer');
      }
    }
    return true;
  }
}

const pool = new Pool();

function getPool(size: number): Pool {
  pool.grow(size);
  return pool;
}

/** Stops the worker threads (they are unref'd, so a process exits without this). */
export async function closeParallelPool(): Promise<void> {
  const slots = pool.slots.splice(0);
  await Promise.all(slots.map((s) => s.worker.terminate()));
}

/** A RejectSink for the LineSplitter: drains the blocks ahead before anything reaches the real sink. */
class DrainingSink extends RejectSink {
  constructor(
    private readonly real: RejectSink,
    private readonly drain: () => void,
  ) {
    super();
  }
  override reject(event: RejectEvent, raw?: Buffer | string): void {
    this.drain();
    this.real.reject(event, raw);
  }
  override quarantineChunk(bytes: Buffer): void {
    this.drain();
    this.real.quarantineChunk(bytes);
  }
  override get rawPosition(): number {
    this.drain();
    return this.real.rawPosition;
  }
  override rejectStreamed(event: RejectEvent, rawStart: number): void {
    this.drain();
    this.real.rejectStreamed(event, rawStart);
  }
  override markCrlf(file: string): void {
    this.real.markCrlf(file);
  }
}

export interface ParallelOptions {
  readonly workers: number;
  readonly maxLineBytes: number;
  /** Log type the JSON parser uses for lines without `_path`. */
  readonly jsonPath: string | undefined;
}

/**
 * The block router for one file. Use `splitter` as the file's LineSplitter; records land in
 * the array `target()` returns at the time; call `collect()` after each push and `finish()` at
 * the end (or before reporting anything about the file yourself).
 */
export class ParallelBlocks {
  readonly splitter: LineSplitter;
  private readonly pool: Pool;
  private readonly queue: Job[] = [];
  private readonly maxInFlight: number;
  private layout: FastLayout | undefined;
  private layoutKnown = false;
  private materializer: Materializer | undefined;
  private readonly slowLine: (line: string, lineNo: number) => void;

  constructor(
    label: string,
    sink: RejectSink,
    private readonly parser: AutoParser,
    private readonly target: () => ZeekRecord[],
    private readonly options: ParallelOptions,
  ) {
    this.pool = getPool(options.workers);
    this.maxInFlight = 2 * options.workers + 1;
    this.slowLine = (line, lineNo) => this.parser.parse(line, lineNo, this.target());
    this.splitter = new LineSplitter(
      label,
      new DrainingSink(sink, () => this.finish()),
      (line, n) => {
        this.finish();
        this.parser.parse(line, n, this.target());
        this.layoutKnown = false;
      },
      options.maxLineBytes,
      0,
      (text, first) => {
        this.route(text, first);
        return countLines(text);
      },
    );
  }

  /** Materialises the blocks at the head of the queue that are done, without waiting. */
  collect(): void {
    const q = this.queue;
    while (q.length > 0 && this.pool.settle(q[0]!, false)) this.materialize(q.shift()!);
  }

  /** Waits for and materialises every block in flight. */
  finish(): void {
    const q = this.queue;
    while (q.length > 0) {
      this.pool.settle(q[0]!, true);
      this.materialize(q.shift()!);
    }
  }

  private currentLayout(): FastLayout | undefined {
    if (this.layoutKnown) return this.layout;
    const inner = this.parser.parser;
    if (inner === undefined) return undefined;
    this.layoutKnown = true;
    this.layout = undefined;
    if (this.parser.format === 'json') this.layout = jsonLayout(this.options.jsonPath);
    else if (this.parser.format === 'tsv' && inner instanceof TsvParser) {
      const h = inner.headerState;
      if (h) this.layout = makeLayout('tsv', h.path, h.columns, h);
    }
    return this.layout;
  }

  private route(text: string, first: number): void {
    const layout = this.currentLayout();
    if (layout === undefined) {
      this.finish();
      this.mainLines(text, first);
      return;
    }
    if (layout.format === 'tsv') {
      // A header line (start of file, concatenated logs, #close) changes what data lines mean:
      // send the data before it, drain, read the header run here, then go on with the rest.
      let h = text.charCodeAt(0) === 0x23 ? 0 : text.indexOf('\n#');
      if (h >= 0) {
        if (h > 0) {
          this.dispatch(text.slice(0, h), first, layout);
          h += 1;
        }
        let lineNo = first + countNewlines(text, 0, h);
        this.finish();
        let p = h;
        while (p < text.length && text.charCodeAt(p) === 0x23) {
          const nl = text.indexOf('\n', p);
          const end = nl < 0 ? text.length : nl;
          const le = text.charCodeAt(end - 1) === 13 ? end - 1 : end;
          this.parser.parse(text.slice(p, le), lineNo, this.target());
          lineNo++;
          p = nl < 0 ? text.length + 1 : nl + 1;
        }
        this.layoutKnown = false;
        if (p <= text.length) this.route(text.slice(p), lineNo);
        return;
      }
    }
    this.dispatch(text, first, layout);
  }

  private dispatch(text: string, first: number, layout: FastLayout): void {
    if (text.length === 0) return;
    this.queue.push(this.pool.submit(text, first, layout, 2));
    this.collect();
    while (this.queue.length > this.maxInFlight) {
      this.pool.settle(this.queue[0]!, true);
      this.materialize(this.queue.shift()!);
    }
  }

  private materialize(job: Job): void {
    if (job.tape === undefined) {
      // The worker failed on this block: read it here, the regular way.
      parallelStats.workerErrors++;
      this.mainLines(job.text, job.firstLineNo);
      return;
    }
    if (this.materializer?.layout !== job.layout) this.materializer = new Materializer(job.layout);
    const t0 = performance.now();
    const tape = job.tape;
    this.materializer.run(job.text, tape, job.firstLineNo, this.target(), this.slowLine);
    // Hand the tape's buffers back (transferred, not copied) so the worker allocates none.
    if (job.slot) {
      const recycle = { ints: tape.ints.buffer as ArrayBuffer, nums: tape.nums.buffer as ArrayBuffer };
      job.slot.worker.postMessage({ recycle }, [recycle.ints, recycle.nums]);
    } else parallelStats.mainBlocks++;
    parallelStats.blocks++;
    parallelStats.decodeMs += job.ms ?? 0;
    parallelStats.materializeMs += performance.now() - t0;
    parallelStats.declinedLines += job.tape.slow;
  }

  private mainLines(text: string, first: number): void {
    let start = 0;
    let lineNo = first;
    const out = this.target();
    for (;;) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      const le = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      this.parser.parse(text.slice(start, le), lineNo++, out);
      if (nl < 0) break;
      start = nl + 1;
    }
    this.layoutKnown = false;
  }
}

/** Counters since the process started (tests, the benchmark): what the workers did. */
export const parallelStats = {
  /** Blocks decoded (by a worker, or by the main thread while the workers were busy) and materialised. */
  blocks: 0,
  /** Of those, blocks the main thread decoded itself. */
  mainBlocks: 0,
  /** Lines in those blocks the fast decoder left to the regular parser. */
  declinedLines: 0,
  /** Blocks a worker failed on (read on the main thread instead). */
  workerErrors: 0,
  /** Milliseconds workers spent decoding, and the main thread turning tapes into records. */
  decodeMs: 0,
  materializeMs: 0,
};

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function countLines(text: string): number {
  return countNewlines(text, 0, text.length) + 1;
}
