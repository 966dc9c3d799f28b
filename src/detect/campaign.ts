/**
 * Campaign links: when a host that was the target of another host's detections later acts as a
 * source (attacker → DC1 → …), the two are linked into one attack graph. A campaign is a
 * connected component; its id is the host key that started it (the earliest source).
 */
import type { Detection, HostView } from './types.js';

export interface CampaignEdge {
  readonly from: string;
  readonly to: string;
  /** Detection on `from` that targeted `to`, and the later one `to` is the source of (`next`). */
  readonly via: string;
  readonly next: string;
  readonly ts: number;
}

export class CampaignGraph {
  /** Target host key → detections (by id) of other hosts that targeted it, with source host. */
  private readonly targetedBy = new Map<string, { host: string; id: string; ts: number }[]>();
  private readonly parent = new Map<string, string>();
  readonly edges: CampaignEdge[] = [];
  private readonly edgeSeen = new Set<string>();

  observe(d: Detection, hosts: HostView): void {
    // This host was targeted earlier by someone else: link them.
    for (const t of this.targetedBy.get(d.host) ?? []) {
      if (t.host === d.host || t.ts > d.lastTs) continue;
      const k = `${t.host}>${d.host}`;
      if (this.edgeSeen.has(k)) continue;
      this.edgeSeen.add(k);
      this.edges.push({ from: t.host, to: d.host, via: t.id, next: d.id, ts: d.detectedAt });
      this.union(t.host, d.host);
    }
    for (const target of d.targets) {
      if (!hosts.isInternal(target)) continue;
      const key = hosts.hostKey(target, d.firstTs);
      if (key === d.host) continue;
      const list = this.targetedBy.get(key);
      const entry = { host: d.host, id: d.id, ts: d.firstTs };
      if (!list) this.targetedBy.set(key, [entry]);
      else if (!list.some((e) => e.id === d.id) && list.length < 1000) list.push(entry);
    }
  }

  private find(x: string): string {
    let r = x;
    while (this.parent.has(r) && this.parent.get(r) !== r) r = this.parent.get(r)!;
    return r;
  }

  private union(from: string, to: string): void {
    if (!this.parent.has(from)) this.parent.set(from, from);
    if (!this.parent.has(to)) this.parent.set(to, to);
    const a = this.find(from);
    const b = this.find(to);
    // The root stays the upstream host, so the campaign id names where it started.
    if (a !== b) this.parent.set(b, a);
  }

  /** Campaign id of a host, or undefined when it is in no linked campaign. */
  campaignOf(host: string): string | undefined {
    return this.parent.has(host) ? this.find(host) : undefined;
  }
}
