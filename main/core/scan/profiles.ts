// What the quick and the full scan look at on Linux. Quick: the places malware lands or starts from (user
// folders, temp folders, autostart and scheduled-task locations). Full: every local disk, without pseudo
// filesystems (/proc, /sys, ...) and network mounts, which are someone else's to scan.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type { ScanProfile } from '../../../preload/contract/index.js';

const USER_FOLDERS = ['Downloads', 'Desktop', 'Documents', '.local/bin', '.config/autostart', '.config/systemd/user', '.ssh'];
const SYSTEM_QUICK = [
  '/tmp', '/var/tmp', '/dev/shm', '/etc/cron.d', '/etc/cron.daily', '/etc/cron.hourly', '/etc/cron.weekly', '/etc/cron.monthly',
  '/var/spool/cron', '/etc/systemd/system', '/etc/init.d', '/etc/rc.local', '/etc/xdg/autostart', '/etc/profile.d',
  '/etc/ld.so.preload', '/usr/local/bin', '/usr/local/sbin',
];
// Filesystems that hold no files of their own, or belong to another machine.
const SKIP_FS = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs', 'bpf', 'fusectl', 'configfs',
  'pstore', 'mqueue', 'hugetlbfs', 'autofs', 'binfmt_misc', 'efivarfs', 'rpc_pipefs', 'nsfs', 'ramfs',
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'sshfs', 'fuse.sshfs', '9p', 'ceph', 'glusterfs', 'davfs', 'fuse.rclone',
]);

/** Home folders of people (uid >= 1000 with a real home) and root's. */
export function homeFolders(passwd = '/etc/passwd'): string[] {
  const homes = new Set<string>(['/root']);
  try {
    for (const line of readFileSync(passwd, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length < 7) continue;
      const uid = Number(f[2]);
      const home = f[5]!;
      if (uid >= 1000 && uid < 60000 && home.startsWith('/') && home !== '/' && !home.startsWith('/nonexistent')) homes.add(home);
    }
  } catch { /* no passwd: root only */ }
  return [...homes];
}

export function quickScanPaths(watchFolders: string[], homes = homeFolders()): string[] {
  const paths = new Set<string>(watchFolders);
  for (const home of homes) for (const f of USER_FOLDERS) paths.add(join(home, f));
  for (const p of SYSTEM_QUICK) paths.add(p);
  return [...paths].filter((p) => existsSync(p));
}

/** Mount points whose contents a full scan skips (pseudo and network filesystems), from /proc/self/mounts. */
export function skippedMounts(mounts = '/proc/self/mounts'): string[] {
  const out: string[] = [];
  try {
    for (const line of readFileSync(mounts, 'utf8').split('\n')) {
      const [, mountPoint, fsType] = line.split(' ');
      if (!mountPoint || !fsType) continue;
      // Mount points escape spaces and the like as octal (\040).
      const point = mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
      if (SKIP_FS.has(fsType) || (fsType.startsWith('fuse.') && fsType !== 'fuse.ntfs-3g')) out.push(point);
    }
  } catch { /* no /proc: nothing known to skip */ }
  return out;
}

export function fullScan(): { paths: string[]; exclude: string[] } {
  return { paths: ['/'], exclude: skippedMounts() };
}
