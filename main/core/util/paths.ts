import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/** The OS's app-data folder for Mamori; MAMORI_DATA_DIR overrides it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MAMORI_DATA_DIR) return env.MAMORI_DATA_DIR;
  const home = homedir();
  switch (platform()) {
    case 'darwin': return join(home, 'Library', 'Application Support', 'Mamori');
    case 'win32': return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Mamori');
    default: return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'mamori');
  }
}

/** Folders a user keeps downloads and work in: watched by default. */
export function defaultWatchFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = homedir();
  const fromXdg = (key: string, fallback: string): string => env[key] ?? join(home, fallback);
  return [fromXdg('XDG_DOWNLOAD_DIR', 'Downloads'), fromXdg('XDG_DESKTOP_DIR', 'Desktop'), fromXdg('XDG_DOCUMENTS_DIR', 'Documents')];
}
