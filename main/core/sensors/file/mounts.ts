// Which filesystems the fanotify helper marks. A filesystem mark covers one whole filesystem, so the list is
// one path per filesystem: real local disks, the usual tmpfs drop zones, and whatever holds a watched folder,
// never pseudo or network filesystems (someone else's files, or no files at all).
import { readFileSync, statSync } from 'node:fs';

// Disk filesystems that encode file handles (fanotify FID reporting needs them).
const DISK_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'jfs', 'reiserfs', 'vfat', 'exfat', 'ntfs3', 'zfs', 'bcachefs']);
// tmpfs mounts where downloads and droppers land; the rest of tmpfs (/run, /sys/fs/cgroup) is system churn.
const TMPFS_DROP_ZONES = new Set(['/tmp', '/var/tmp', '/dev/shm']);

export interface MountEntry { point: string; fsType: string }

export function readMounts(file = '/proc/self/mounts'): MountEntry[] {
  const out: MountEntry[] = [];
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [, point, fsType] = line.split(' ');
      if (!point || !fsType) continue;
      out.push({ point: point.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), fsType });
    }
  } catch { /* no /proc: nothing known */ }
  return out;
}

/** The mount a path lives on: the longest mount point that is a prefix of it. */
export function mountOf(path: string, mounts: MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const m of mounts) {
    const inside = m.point === '/' || path === m.point || path.startsWith(`${m.point}/`);
    if (inside && (!best || m.point.length > best.point.length)) best = m;
  }
  return best;
}

const markable = (m: MountEntry) => DISK_FS.has(m.fsType) || m.fsType === 'tmpfs';

/**
 * One path per local filesystem worth watching: the disk filesystems, the tmpfs drop zones and the
 * filesystems of the watched folders. Bind mounts of one filesystem count once (same st_dev).
 */
export function localFilesystems(watchFolders: string[], mounts = readMounts()): string[] {
  const wanted: string[] = [];
  for (const m of mounts) {
    if (DISK_FS.has(m.fsType) || (m.fsType === 'tmpfs' && TMPFS_DROP_ZONES.has(m.point))) wanted.push(m.point);
  }
  for (const folder of watchFolders) {
    const m = mountOf(folder, mounts);
    if (m && markable(m)) wanted.push(m.point);
  }
  const seenDev = new Set<number>();
  const out: string[] = [];
  for (const point of wanted) {
    let dev: number;
    try { dev = statSync(point).dev; } catch { continue; }
    if (seenDev.has(dev)) continue;
    seenDev.add(dev);
    out.push(point);
  }
  return out;
}
