/**
 * Worker thread of the parallel reader: decodes blocks of lines into tapes (fast-decode.ts) and
 * posts them back on its result port, transferring the tape's buffers (no copy), then bumps a
 * shared counter so a main thread blocked in Atomics.wait wakes up.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { decodeBlock, type FastLayout } from './fast-decode.js';

export interface WorkerJob {
  readonly id: number;
  readonly text: string;
  readonly layout: FastLayout;
}

const { port, signal } = workerData as { port: MessagePort; signal: SharedArrayBuffer };
const counter = new Int32Array(signal);

parentPort!.on('message', (job: WorkerJob) => {
  try {
    const tape = decodeBlock(job.text, job.layout);
    port.postMessage({ id: job.id, tape }, [
      tape.ints.buffer as ArrayBuffer,
      tape.nums.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    port.postMessage({ id: job.id, error: String((err as Error)?.stack ?? err) });
  }
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});
