import { closeSync, fsyncSync, openSync, constants } from 'node:fs';

/** Make a rename or unlink in `dir` durable: without this a crash can undo it after the fact. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the data itself was already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
