/**
 * Worker thread of the parallel reader: decodes blocks of lines into tapes (fast-decode.ts) and
 * posts them back on its result port, transferring the tape's buffers (no copy), then bumps a
 * shared counter so a main thread blocked in Atomics.wait wakes up.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { decodeBlock, type FastLayout, type TapeBuffers } from './fast-decode.js';

export interface WorkerJob {
  readonly id: number;
  readonly text: string;
  readonly layout: FastLayout;
}

const { port, signal } = workerData as { port: MessagePort; signal: SharedArrayBuffer };
const counter = new Int32Array(signal);

/** Tape buffers the main thread has finished with, for the next blocks. */
const spares: TapeBuffers[] = [];

parentPort!.on('message', (job: WorkerJob | { readonly recycle: TapeBuffers }) => {
  if ('recycle' in job) {
    if (spares.length < 4) spares.push(job.recycle);
    return;
  }
  try {
    const t0 = performance.now();
    const tape = decodeBlock(job.text, job.layout, spares.pop());
    port.postMessage({ id: job.id, tape, ms: performance.now() - t0 }, [
      tape.ints.buffer as ArrayBuffer,
      tape.nums.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    port.postMessage({ id: job.id, error: String((err as Error)?.stack ?? err) });
  }
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});
