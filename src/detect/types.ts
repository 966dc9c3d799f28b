/**
 * The detection contract: what a detector declares, what it emits, and what a detection is.
 *
 * A detector reads typed records of the log types it declares and emits *findings*; the engine
 * folds findings into *detections* that grow with new evidence (same type, host and key) rather
 * than repeating as new alerts.
 */
import type { ZeekRecord } from '../model/records.js';

export const CATEGORIES = [
  'initial-access',
  'reconnaissance',
  'lateral-movement',
  'credential-access',
  'command-and-control',
  'exfiltration',
  'impact',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** A reference to the exact metadata record behind a detection. */
export interface EvidenceRef {
  readonly log: string;
  /** Zeek uid (conn-linked logs), fuid (files) or another record id the log carries. */
  readonly uid: string;
  readonly ts: number;
}

/** What set a threat or certainty value, so every score explains itself. */
export interface Driver {
  readonly name: string;
  readonly value: number | string;
}

/** Thresholds of one detector: plain numbers/booleans/strings, units in the names. */
export type Thresholds = Readonly<Record<string, number | boolean | string | readonly string[]>>;

export interface DetectorMeta<T extends Thresholds = Thresholds> {
  /** Kebab-case id, e.g. `port-sweep`; the `type` of its detections. */
  readonly type: string;
  readonly name: string;
  readonly category: Category;
  /** MITRE ATT&CK technique ids. */
  readonly attack: readonly string[];
  /** Log types the detector reads; the engine routes only these records to it. */
  readonly logs: readonly string[];
  /** Defaults, overridable per detector in config (`detectors.<type>.<key>`). */
  readonly defaults: T;
}

/** One observation of a behaviour, as a detector emits it. */
export interface Finding {
  /** Host key of the acting host (the source of the behaviour). */
  readonly host: string;
  /** The source IP at the time. */
  readonly src: string;
  /**
   * Distinguishes parallel detections of one type on one host (e.g. the target for a
   * per-target detector); empty when one detection per host and type is right.
   */
  readonly key?: string;
  /** The account used, when the behaviour involves one (`DOMAIN\\user`, `user@REALM`). */
  readonly account?: string;
  readonly targets: readonly string[];
  /** 0–99 each. */
  readonly threat: number;
  readonly certainty: number;
  readonly drivers: readonly Driver[];
  readonly evidence: readonly EvidenceRef[];
  /** Total evidence records behind this finding when more exist than listed. */
  readonly evidenceCount?: number;
  readonly summary: string;
  /** Event time of the first and latest record behind the finding. */
  readonly firstTs: number;
  readonly lastTs: number;
}

export interface Detection {
  /** Stable: the same behaviour on the same host gives the same id on every replay. */
  readonly id: string;
  readonly type: string;
  readonly category: Category;
  readonly attack: readonly string[];
  readonly host: string;
  src: string;
  readonly key: string;
  /** Accounts seen in the behaviour (scored per account too). */
  accounts: string[];
  targets: string[];
  /** Distinct targets seen, when more than `targets` holds. */
  targetCount: number;
  threat: number;
  certainty: number;
  drivers: Driver[];
  firstTs: number;
  lastTs: number;
  /** Event time at which the detection first fired. */
  readonly detectedAt: number;
  summary: string;
  evidence: EvidenceRef[];
  /** Evidence records behind the detection, including those beyond the listed cap. */
  evidenceCount: number;
  /** Times the detection grew after it first fired. */
  updates: number;
}

/** Where an external address is (GeoIP/ASN); fields unknown to the database are absent. */
export interface GeoInfo {
  readonly country?: string;
  readonly asn?: number;
  readonly org?: string;
}

/**
 * What detectors may ask about hosts, accounts and the network; implemented by the identity
 * layer (src/identity), with a plain IP-based fallback (ip-host-view.ts) for unit tests.
 * Every question is answered in O(1) on the hot path.
 */
export interface HostView {
  /** Stable host key for an IP at event time `ts`. */
  hostKey(ip: string, ts: number): string;
  isInternal(ip: string): boolean;
  /** Roles of a host (`domain-controller`, `scanner`, `backup-server`, …). */
  roles(host: string): ReadonlySet<string>;
  /** Domain controllers, backup servers, admin workstations. */
  isHighValue(host: string): boolean;
  /** Names the host is known by (NTLM/Kerberos/DHCP/DNS/RDP), best first; [] when none. */
  names(host: string): readonly string[];
  /** Event time the host was first seen on the network; undefined when never seen. */
  firstSeen(host: string): number | undefined;
  /** The address is in a configured VPN pool. */
  isVpnAddress(ip: string): boolean;
  /** Event time falls within the configured (or learned) business hours. */
  inBusinessHours(ts: number): boolean;
  /** A default/generic Windows or attacker host name (`WIN-` + 11, `DESKTOP-` + 7, `kali` …). */
  isGenericName(name: string): boolean;
  /** GeoIP/ASN of an external address; undefined when unknown or internal. */
  geo(ip: string): GeoInfo | undefined;
  /** Event time an account was first seen on this host; undefined when never. */
  accountFirstSeenOnHost(account: string, host: string): number | undefined;
  /** The threat-intel indicators a record matches (none without configured intel). */
  intel?(rec: ZeekRecord): readonly IntelMatchView[];
}

/** A record field that matched a threat-intel indicator. */
export interface IntelMatchView {
  readonly field: string;
  readonly value: string;
  /**
   * The address of the host the match is about: the other end of a matched address, a file's
   * receiver, else the originator.
   */
  readonly about: string | undefined;
  readonly indicator: {
    readonly type: string;
    readonly value: string;
    readonly source: string;
    /** 0–100. */
    readonly confidence: number;
    /** `file:line` or `file#objectId`. */
    readonly origin: string;
    readonly description?: string;
  };
}

export interface DetectorContext<T extends Thresholds = Thresholds> {
  readonly thresholds: T;
  readonly hosts: HostView;
  /** True when triage rules say this detector must stay quiet for this host. */
  suppressed(host: string, ip: string): boolean;
  emit(finding: Finding): void;
}

export interface Detector<T extends Thresholds = Thresholds> {
  readonly meta: DetectorMeta<T>;
  /** Called for every record whose `_path` is in `meta.logs`, in event-time order. */
  onRecord(rec: ZeekRecord, ctx: DetectorContext<T>): void;
  /** Called as event time advances (at most once per `tickSeconds`), to expire windows. */
  onTick?(now: number, ctx: DetectorContext<T>): void;
  /** Serialisable state for checkpoints; restore takes what snapshot gave. */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/** A factory makes a fresh detector (fresh state) for each engine. */
export type DetectorFactory = () => Detector;
