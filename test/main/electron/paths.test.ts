// Where the desktop app finds its parts: inside app.asar for code and UI, next to it for what a native helper
// must execute or read (helpers, the YARA pack), since nothing inside an asar archive can be.
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appPaths } from '../../../main/electron/paths.js';

describe('appPaths', () => {
  it('packaged: helpers and the YARA pack come from resources/, next to app.asar', () => {
    const p = appPaths(pathToFileURL('/opt/Mamori/resources/app.asar/dist/main/electron/paths.js').href);
    expect(p.root).toBe('/opt/Mamori/resources/app.asar');
    expect(p.helpers).toBe('/opt/Mamori/resources/native-helpers/bin');
    expect(p.rules).toBe('/opt/Mamori/resources/rules');
    expect(p.renderer).toBe('/opt/Mamori/resources/app.asar/dist/renderer');
  });

  it('from a checkout: no override, the core finds native-helpers/bin and rules/ itself', () => {
    const p = appPaths(pathToFileURL('/work/mamori/dist/main/electron/paths.js').href);
    expect(p.root).toBe('/work/mamori');
    expect(p.helpers).toBeUndefined();
    expect(p.rules).toBeUndefined();
  });
});
