#!/usr/bin/env node
// opt-in: fetch onnxruntime-node's CUDA 12 provider libraries (Linux x64 with an NVIDIA GPU).
// npm skips this download by default because it needs network access beyond the npm registry.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`setup:cuda is for Linux x64; on ${process.platform}/${process.arch} the GPU providers come with onnxruntime-node itself (DirectML on Windows, CoreML on macOS).`);
  process.exit(1);
}
const script = join(root, 'node_modules/onnxruntime-node/script/install.js');
const run = spawnSync(process.execPath, [script], {
  cwd: join(root, 'node_modules/onnxruntime-node'),
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
});
if (run.status === 0) console.log('CUDA libraries installed. `npx r2r info` should now show cuda as starting.');
process.exit(run.status ?? 1);
