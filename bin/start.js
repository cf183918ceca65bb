#!/usr/bin/env node
// `npm start`: builds and opens the desktop app, or says exactly what is missing
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

let electronBinary;
try {
  // in plain Node the electron package only says where its binary is
  electronBinary = require('electron');
} catch {
  electronBinary = undefined;
}
// the package can name a binary that is not there (download skipped, or removed since)
if (typeof electronBinary !== 'string' || !existsSync(electronBinary)) {
  console.error(
    [
      'R2R Studio cannot open its desktop window: the Electron binary is not installed.',
      'npm skips its download on purpose (it comes from github.com, which this install may not reach).',
      'To get it, on a machine that reaches GitHub:   npm run setup:electron',
      'Without Electron, use the studio in your browser:   npm run build && npx r2r serve',
    ].join('\n'),
  );
  process.exit(1);
}

const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const app = spawn(electronBinary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
app.on('exit', (code) => process.exit(code ?? 0));
