/**
 * A Server-Sent Events parser (the WHATWG event-stream format) for the console's fetch-based
 * event stream. EventSource cannot send an Authorization header, so the console reads
 * /api/events with fetch and this parser: the API token stays in a header, never in a URL
 * (URLs end up in access logs, proxies and browser history). Pure: no DOM, tested under Node.
 */

export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private lastWasCr = false;

  /** Feeds decoded text; returns the messages completed by it. */
  feed(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    let chunk = text;
    // A CR ended the previous chunk: a LF opening this one belongs to that line end.
    if (this.lastWasCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.lastWasCr = chunk.endsWith('\r');
    this.buffer += chunk;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line, out);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const msg: SseMessage = { event: this.event || 'message', data: this.data.join('\n') };
        out.push(this.id === undefined ? msg : { ...msg, id: this.id });
      }
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }
}
