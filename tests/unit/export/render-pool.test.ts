import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { inlineRenderPool, workerRenderPool, type RenderTask } from '../../../main/export/render-pool';
import { parsePreset } from '../../../main/export/presets';
import { renderPng, tempDir } from './fixtures';

const preset = parsePreset({ name: 'p', title: 'P', canvas: { width: 100, height: 120 }, fill: 0.85, formats: ['jpeg'], naming: { template: '{sku}.{ext}' } }, 'test');
const meta = { sku: 'S', colorway: 'c', view: 'front', kind: 'raster', creatorTool: 't' };

describe('render pools', () => {
  it('worker threads produce the same bytes as the calling thread, and report failures per task', async () => {
    const dir = tempDir();
    const tasks: RenderTask[] = [];
    for (let i = 0; i < 4; i++) {
      const png = await renderPng({ width: 50, height: 60, background: { r: 250, g: 250, b: 250 }, product: { left: 5 + i, top: 5, width: 20, height: 40 }, seed: i });
      const path = join(dir, `${i}.png`);
      writeFileSync(path, i === 2 ? png.subarray(0, 40) : png);
      tasks.push({ sourcePath: path, preset, format: 'jpeg', meta });
    }
    const inline = inlineRenderPool();
    const workers = workerRenderPool(2);
    try {
      const a = await Promise.allSettled(tasks.map((t) => inline.render(t)));
      const b = await Promise.allSettled(tasks.map((t) => workers.render(t)));
      expect(b.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      for (const i of [0, 1, 3]) {
        const x = (a[i] as PromiseFulfilledResult<{ data: Buffer; sourceSha256: string }>).value;
        const y = (b[i] as PromiseFulfilledResult<{ data: Buffer; sourceSha256: string }>).value;
        expect(Buffer.compare(x.data, y.data)).toBe(0);
        expect(y.sourceSha256).toBe(createHash('sha256').update((await import('node:fs')).readFileSync(tasks[i]!.sourcePath)).digest('hex'));
      }
      expect(String((b[2] as PromiseRejectedResult).reason)).toMatch(/./);
    } finally {
      await workers.close();
    }
  });
});
