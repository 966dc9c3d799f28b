/**
 * Offensive tools by file name, for attack-tool-transfer. Edit here or extend from config
 * (`detectors.attack-tool-transfer.extraToolNames`, `toolHashes`, `ignoredToolNames`).
 *
 * - `names`: exact lower-case base names (`mimikatz.exe`); `stems`: the part before the first
 *   dot, matching other extensions and archives of the same tool (`mimikatz.zip`, `rubeus.txt`).
 * - `credential`: the tool dumps or abuses credentials (T1003) — higher threat.
 * - `dualUse`: administrators use it too (PsExec, ProcDump, AdFind, scanners): a (host, tool)
 *   seen during the learning period is that host's routine and stays quiet afterwards.
 * Sources: the reference incident (mimikatz, NetScan), ransomware intrusion reports (rclone,
 * AdFind, SharpHound, Cobalt Strike artefact/beacon names), BZAR/Sigma PsExec indicators.
 */
export interface ToolEntry {
  readonly tool: string;
  readonly credential: boolean;
  readonly dualUse: boolean;
  readonly names: readonly string[];
  readonly stems: readonly string[];
}

export const ATTACK_TOOLS: readonly ToolEntry[] = [
  {
    tool: 'mimikatz',
    credential: true,
    dualUse: false,
    names: ['mimidrv.sys', 'mimilib.dll', 'mimispool.dll', 'invoke-mimikatz.ps1', 'mimikatz_trunk.zip'],
    stems: ['mimikatz', 'mimikatz_trunk', 'mimikatz64', 'mimikatz32'],
  },
  {
    tool: 'procdump',
    credential: true,
    dualUse: true,
    names: [],
    stems: ['procdump', 'procdump64', 'procdump64a'],
  },
  {
    tool: 'psexec',
    credential: false,
    dualUse: true,
    names: ['psexesvc.exe', 'paexec.exe', 'remcomsvc.exe', 'remcom.exe', 'csexec.exe', 'csexecsvc.exe'],
    stems: ['psexec', 'psexec64', 'psexesvc'],
  },
  { tool: 'rclone', credential: false, dualUse: true, names: ['rclone.conf'], stems: ['rclone'] },
  { tool: 'adfind', credential: false, dualUse: true, names: [], stems: ['adfind'] },
  { tool: 'netscan', credential: false, dualUse: true, names: ['netscan.lic'], stems: ['netscan'] },
  {
    tool: 'advanced-ip-scanner',
    credential: false,
    dualUse: true,
    names: [],
    stems: ['advanced_ip_scanner'],
  },
  {
    tool: 'sharphound',
    credential: false,
    dualUse: false,
    names: ['sharphound.ps1', 'azurehound.exe', 'bloodhound.exe'],
    stems: ['sharphound', 'azurehound'],
  },
  { tool: 'rubeus', credential: true, dualUse: false, names: [], stems: ['rubeus'] },
  { tool: 'kerbrute', credential: true, dualUse: false, names: [], stems: ['kerbrute'] },
  {
    tool: 'cobalt-strike',
    credential: false,
    dualUse: false,
    names: [
      'beacon.exe',
      'beacon.dll',
      'beacon_x64.exe',
      'beacon_x64.dll',
      'artifact.exe',
      'artifact32.exe',
      'artifact64.exe',
      'artifact32svc.exe',
      'artifact64svc.exe',
      'cobaltstrike.jar',
    ],
    stems: [],
  },
  { tool: 'lazagne', credential: true, dualUse: false, names: [], stems: ['lazagne'] },
  { tool: 'nanodump', credential: true, dualUse: false, names: ['nanodump.x64.exe'], stems: ['nanodump'] },
  { tool: 'pypykatz', credential: true, dualUse: false, names: [], stems: ['pypykatz'] },
  {
    tool: 'secretsdump',
    credential: true,
    dualUse: false,
    names: ['secretsdump.py'],
    stems: ['secretsdump'],
  },
  { tool: 'safetykatz', credential: true, dualUse: false, names: [], stems: ['safetykatz', 'sharpkatz'] },
  { tool: 'dumpert', credential: true, dualUse: false, names: ['outflank-dumpert.exe'], stems: ['dumpert'] },
  { tool: 'sharpdump', credential: true, dualUse: false, names: [], stems: ['sharpdump'] },
  {
    tool: 'legacy-dumpers',
    credential: true,
    dualUse: false,
    names: ['wce.exe', 'pwdump.exe', 'pwdump7.exe', 'gsecdump.exe', 'fgdump.exe'],
    stems: [],
  },
  { tool: 'certify', credential: true, dualUse: false, names: ['certify.exe'], stems: [] },
  {
    tool: 'post-exploitation',
    credential: false,
    dualUse: false,
    names: [
      'seatbelt.exe',
      'sharpup.exe',
      'winpeas.exe',
      'winpeasx64.exe',
      'winpeasany.exe',
      'powerview.ps1',
      'powerup.ps1',
      'invoke-kerberoast.ps1',
      'sharpwmi.exe',
      'sharpsc.exe',
      'chisel.exe',
      'ngrok.exe',
      'nc.exe',
      'nc64.exe',
    ],
    stems: [],
  },
];

/** Compiled lookups: base name / stem → tool entry. Built once at detector start-up. */
export interface ToolIndex {
  readonly byName: ReadonlyMap<string, ToolEntry>;
  readonly byStem: ReadonlyMap<string, ToolEntry>;
  readonly byHash: ReadonlyMap<string, ToolEntry>;
}

/**
 * `extra` entries are `name` or `name=tool`; `hashes` are `md5|sha1|sha256` or `hash=tool`;
 * `ignored` removes names or stems (lower case).
 */
export function compileTools(
  extra: readonly string[],
  hashes: readonly string[],
  ignored: readonly string[],
): ToolIndex {
  const byName = new Map<string, ToolEntry>();
  const byStem = new Map<string, ToolEntry>();
  const byHash = new Map<string, ToolEntry>();
  const skip = new Set(ignored.map((x) => x.trim().toLowerCase()));
  for (const e of ATTACK_TOOLS) {
    for (const n of e.names) if (!skip.has(n)) byName.set(n, e);
    for (const s of e.stems) if (!skip.has(s)) byStem.set(s, e);
  }
  const custom = (label: string): ToolEntry => ({
    tool: label,
    credential: false,
    dualUse: false,
    names: [],
    stems: [],
  });
  for (const x of extra) {
    const [n, label] = x.split('=') as [string, string | undefined];
    const name = n.trim().toLowerCase();
    if (name !== '')
      byName.set(name, byStem.get(label?.trim().toLowerCase() ?? '') ?? custom(label?.trim() || name));
  }
  for (const x of hashes) {
    const [h, label] = x.split('=') as [string, string | undefined];
    const hash = h.trim().toLowerCase();
    if (hash !== '')
      byHash.set(
        hash,
        byStem.get(label?.trim().toLowerCase() ?? '') ?? custom(label?.trim() || 'intel-hash'),
      );
  }
  return { byName, byStem, byHash };
}

/** The tool a lower-case base name belongs to, by exact name then by stem. */
export function toolOf(index: ToolIndex, base: string): ToolEntry | undefined {
  const hit = index.byName.get(base);
  if (hit) return hit;
  const dot = base.indexOf('.');
  return index.byStem.get(dot < 0 ? base : base.slice(0, dot));
}
