/**
 * Runs Wireshark's `tshark` on one capture and streams its `-T fields` output as rows, one per
 * frame, without ever holding the whole capture. Always an argv array (no shell). The capture
 * path is passed after `-r` as its own argument, so no file name can become an option or a
 * command. stderr is kept (bounded) to explain failures: truncated file, unknown format.
 */
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { AGGREGATOR, FIELDS, Row } from './fields.js';

export const TSHARK = process.env.VIGIL_TSHARK ?? 'tshark';

let available: boolean | undefined;

/** True when `tshark` runs here (checked once). */
export function tsharkAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync(TSHARK, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 });
    available = r.status === 0;
  }
  return available;
}

export const TSHARK_MISSING =
  "tshark not found: install Wireshark's tshark (Debian/Ubuntu: `apt-get install -y tshark`) to read packet captures";

/** The argv for one capture: no name resolution, every field, tab-separated, all occurrences. */
export function tsharkArgs(file: string, fields: readonly string[] = FIELDS): string[] {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a'];
  args.push('-E', `aggregator=${AGGREGATOR}`, '-E', 'header=n');
  for (const f of fields) args.push('-e', f);
  return args;
}

export interface TsharkResult {
  /** Exit status (null when killed by a signal). */
  code: number | null;
  /** stderr without tshark's "running as root" notice, at most 16 KiB. */
  stderr: string;
  frames: number;
}

const STDERR_MAX = 16 * 1024;
const ROOT_NOTICE = /^Running as user "root".*\n?/gm;

/**
 * Yields one Row per frame. `done` is filled when the generator finishes (or is returned early,
 * in which case tshark is killed).
 */
export async function* tsharkRows(file: string, done: TsharkResult): AsyncGenerator<Row[]> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(TSHARK, tsharkArgs(file), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < STDERR_MAX) stderr += s;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', (err) => {
      stderr += `${err.message}\n`;
      resolve(null);
    });
  });
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let finished = false;
  try {
    for await (const chunk of child.stdout) {
      const text = rest + decoder.write(chunk as Buffer);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      const rows: Row[] = [];
      for (const line of lines) if (line.length > 0) rows.push(new Row(line.split('\t')));
      done.frames += rows.length;
      if (rows.length > 0) yield rows;
    }
    rest += decoder.end();
    if (rest.length > 0) {
      done.frames++;
      yield [new Row(rest.split('\t'))];
    }
    finished = true;
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGTERM');
    done.code = await exited;
    done.stderr = stderr.replace(ROOT_NOTICE, '').trim();
  }
}
