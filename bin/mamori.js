#!/usr/bin/env node
// The `mamori` command. Runs the built CLI in dist/ (npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/main/agent/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('mamori: not built yet. Run `npm run build` in the Mamori folder first.\n');
  process.exit(2);
}
const { main } = await import(pathToFileURL(cli).href);
process.exit(await main(process.argv.slice(2)));
