/** A one-line progress display on stderr, only when stderr is a terminal. */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;

  constructor(enabled: boolean) {
    this.enabled = enabled && process.stderr.isTTY === true;
  }

  update(records: number, filesDone: number, filesTotal: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const width = 24;
    const frac = filesTotal > 0 ? filesDone / filesTotal : 0;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    process.stderr.write(
      `\r[${bar}] ${filesDone}/${filesTotal} files, ${records.toLocaleString('en-US')} records`,
    );
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}
