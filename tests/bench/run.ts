// `npm run bench [name ...]`: runs each tests/bench/<name>.bench.ts once and prints its numbers.
// benchmarks report ratios measured within one run, so a noisy shared machine still compares fairly.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}; available: ${readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
  process.exit(2);
}
const results: Record<string, unknown> = {};
let failed = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stderr.write(`bench ${name}...\n`);
  const started = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run(): Promise<Record<string, unknown>> };
    results[name] = await mod.run();
  } catch (err) {
    failed += 1;
    results[name] = { error: (err as Error).message };
  }
  process.stderr.write(`bench ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  console.log(JSON.stringify({ bench: name, ...(results[name] as object) }, null, 2));
}
process.exit(failed ? 1 : 0);
