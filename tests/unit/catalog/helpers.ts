import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';

const made: string[] = [];

/** a fresh temporary folder, removed after the test */
export function tempDir(prefix = 'r2r-catalog-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** a small solid PNG; `shade` makes images differ */
export function png(width: number, height: number, shade = 0): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: shade % 256, g: (shade * 7) % 256, b: (shade * 13) % 256 } } })
    .png()
    .toBuffer();
}

export function writeFile(root: string, rel: string, bytes: Uint8Array | string): string {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}
