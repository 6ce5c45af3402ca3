import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Mamori's package folder and version, found from here whether running from source or from dist/. */
export function packageInfo(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mamori') return { root: dir, version: pkg.version ?? '0.0.0' };
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find Mamori\'s package.json above ' + fileURLToPath(import.meta.url));
}
