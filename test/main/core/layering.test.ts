// DESIGN.md house rule 2, enforced: the lint rule must reject electron in the core and main/ in the renderer.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });
const messages = async (code: string, filePath: string) =>
  (await eslint.lintText(code, { filePath }))[0]!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);

describe('layering lint rule', () => {
  it('rejects electron imported from main/core', async () => {
    expect(await messages("import { app } from 'electron';\nexport const a = app;\n", 'main/core/sensors/x.ts'))
      .toEqual([expect.stringMatching(/must not import electron/)]);
  });

  it('rejects the core importing a host', async () => {
    expect(await messages("import { main } from '../agent/cli.js';\nexport const m = main;\n", 'main/core/x.ts')).toHaveLength(1);
  });

  it('rejects the renderer importing main/ or node built-ins, and allows the contract', async () => {
    expect(await messages("import { createCore } from '../../main/core/index.js';\nexport const c = createCore;\n", 'renderer/src/x.ts')).toHaveLength(1);
    expect(await messages("import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", 'renderer/src/x.ts')).toHaveLength(1);
    expect(await messages("import { methods } from '../../preload/contract/index.js';\nexport const m = methods;\n", 'renderer/src/x.ts')).toEqual([]);
  });

  it('the whole tree passes the rule today', async () => {
    const results = await eslint.lintFiles(['main/core', 'renderer/src']);
    const bad = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}: ${m.message}`));
    expect(bad).toEqual([]);
  });
});
