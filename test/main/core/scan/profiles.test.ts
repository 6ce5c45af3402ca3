// What the quick and the full scan cover: people's folders, temp and autostart places that exist here; every
// local disk without pseudo and network filesystems.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fullScan, homeFolders, quickScanPaths, skippedMounts } from '../../../../main/core/scan/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('quick scan', () => {
  it('covers the watched folders and the folders of people that exist, not system accounts', () => {
    const root = dirs.make();
    const alice = join(root, 'home', 'alice');
    mkdirSync(join(alice, 'Downloads'), { recursive: true });
    mkdirSync(join(alice, '.config', 'autostart'), { recursive: true });
    const passwd = join(root, 'passwd');
    writeFileSync(passwd, [
      'root:x:0:0:root:/root:/bin/bash', 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
      `alice:x:1000:1000:Alice:${alice}:/bin/bash`, 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin', 'broken line',
    ].join('\n'));
    const homes = homeFolders(passwd);
    expect(homes).toEqual(['/root', alice]);
    const watched = dirs.make();
    const paths = quickScanPaths([watched], homes);
    expect(paths).toEqual(expect.arrayContaining([watched, join(alice, 'Downloads'), join(alice, '.config', 'autostart'), '/tmp']));
    expect(paths).not.toContain(join(alice, 'Desktop')); // does not exist
    expect(paths).not.toContain('/usr/sbin');
  });
});

describe('full scan', () => {
  it('skips pseudo and network filesystems named in the mount table, decoding escaped mount points', () => {
    const mounts = join(dirs.make(), 'mounts');
    writeFileSync(mounts, [
      '/dev/vda1 / ext4 rw 0 0', 'proc /proc proc rw 0 0', 'sysfs /sys sysfs rw 0 0', 'tmpfs /dev/shm tmpfs rw 0 0',
      'server:/share /mnt/office\\040files nfs4 rw 0 0', 'sshfs#me@host: /mnt/remote fuse.sshfs rw 0 0', '/dev/vdb1 /data xfs rw 0 0',
    ].join('\n'));
    expect(skippedMounts(mounts)).toEqual(['/proc', '/sys', '/mnt/office files', '/mnt/remote']);
  });

  it('starts at / and skips /proc on this machine', () => {
    const { paths, exclude } = fullScan();
    expect(paths).toEqual(['/']);
    expect(exclude).toContain('/proc');
  });
});
