/** Live events for the console (SSE): detections, priority changes, response decisions. */

export interface LiveEvent {
  readonly type: 'detection' | 'priority' | 'response';
  readonly data: unknown;
}

export class EventHub {
  private readonly subscribers = new Set<(e: LiveEvent) => void>();
  private seq = 0;

  get listeners(): number {
    return this.subscribers.size;
  }

  subscribe(fn: (e: LiveEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(e: LiveEvent): number {
    this.seq++;
    for (const fn of this.subscribers) fn(e);
    return this.seq;
  }
}
