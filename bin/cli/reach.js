#!/usr/bin/env node
// `npx reach …` → runs bin/reach.ts with tsx, from wherever the repository is.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const r = spawnSync(tsx, [join(root, 'bin', 'reach.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
