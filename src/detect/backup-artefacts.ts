/**
 * What backup artefacts look like on the wire, for backup-discovery (and data-staging's
 * backup-share volume). Edit here or extend from config (`detectors.backup-discovery.*`).
 * All entries lower case; matched by Set lookup of the extension and a few substring tests of
 * the lower-cased path — compiled once, no regex per record.
 *
 * Sources: Veeam file types (.vbk full, .vib incremental, .vrb reverse incremental, .vbm
 * metadata, .vlb/.vsb transaction/snapshot logs, .bco configuration backup), Backup Exec and
 * NTBackup (.bkf), Acronis (.tib/.tibx), Windows Server Backup (`WindowsImageBackup\…`,
 * `MediaId`, `BackupSpecs.xml`); the reference incident's `backup_exchange$` share and its
 * search for Veeam configuration.
 */
export const BACKUP_EXTENSIONS: readonly string[] = [
  'vbk',
  'vib',
  'vrb',
  'vbm',
  'vlb',
  'vsb',
  'bco',
  'bkf',
  'tib',
  'tibx',
];

/** Substrings of a file path that mark backup data or backup-software configuration. */
export const BACKUP_PATH_KEYWORDS: readonly string[] = [
  'windowsimagebackup',
  'veeamconfigbackup',
  'veeam.backup',
  'backupspecs.xml',
  'backup exec',
];

/** Substrings of a share name that mark a backup repository (`backup_exchange$`, `VeeamRepo`). */
export const BACKUP_SHARE_KEYWORDS: readonly string[] = ['backup', 'veeam', 'bkp', 'bkup'];

export interface BackupMatcher {
  /** The artefact kind a file path is (`.vbk`, `windowsimagebackup`), or undefined. */
  file(lowerPath: string): string | undefined;
  /** Whether a (lower-case) share name is a backup repository. */
  share(share: string): boolean;
}

export function compileBackupMatcher(
  extensions: readonly string[],
  pathKeywords: readonly string[],
  shareKeywords: readonly string[],
): BackupMatcher {
  const ext = new Set(
    extensions.map((x) => x.trim().toLowerCase().replace(/^\./, '')).filter((x) => x !== ''),
  );
  const kw = pathKeywords.map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  const sk = shareKeywords.map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  return {
    file(p: string): string | undefined {
      const dot = p.lastIndexOf('.');
      if (dot >= 0 && dot > p.lastIndexOf('\\')) {
        const e = p.slice(dot + 1);
        if (ext.has(e)) return `.${e}`;
      }
      for (const k of kw) if (p.includes(k)) return k;
      return undefined;
    },
    share(s: string): boolean {
      for (const k of sk) if (s.includes(k)) return true;
      return false;
    },
  };
}
