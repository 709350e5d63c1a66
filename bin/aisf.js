#!/usr/bin/env node
// The aisf command. The CLI is compiled to dist/ by `npm run build` (run by `npm ci` via prepare).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'aisf: E_INTERNAL: dist/ is missing; run `npm run build` in the aisf package\n',
  );
  process.exit(3);
}
const { main } = await import(entry.href);
await main();
