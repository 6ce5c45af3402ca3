// Where the shell finds its files. Works from the compiled layout (dist/main/electron/*.js, also inside
// app.asar) and from the sources (main/electron/*.ts, in tests).
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AppPaths {
  /** The app root: the folder (or app.asar) holding package.json, dist/ and assets/. */
  readonly root: string;
  /** The built React UI, served over the app's own protocol. */
  readonly renderer: string;
  /** The bundled, sandbox-safe preload (one CommonJS file). */
  readonly preload: string;
  readonly trayIcons: string;
  readonly appIcon: string;
  /**
   * The native helpers when packaged: electron-builder puts them next to app.asar (resources/native-helpers/bin),
   * because nothing inside an asar archive can be executed. Undefined from a checkout: the core's default applies.
   */
  readonly helpers?: string;
  /** Mamori's YARA pack when packaged (resources/rules): the C helper reads it, and cannot read inside an asar. */
  readonly rules?: string;
}

export function appPaths(moduleUrl: string = import.meta.url): AppPaths {
  const here = dirname(fileURLToPath(moduleUrl));
  const up2 = resolve(here, '..', '..');
  const root = basename(up2) === 'dist' ? resolve(up2, '..') : up2;
  return {
    root,
    renderer: join(root, 'dist', 'renderer'),
    preload: join(root, 'dist', 'preload', 'index.cjs'),
    trayIcons: join(root, 'assets', 'tray'),
    appIcon: join(root, 'assets', 'icon.png'),
    ...(root.endsWith('.asar') ? { helpers: join(dirname(root), 'native-helpers', 'bin'), rules: join(dirname(root), 'rules') } : {}),
  };
}
