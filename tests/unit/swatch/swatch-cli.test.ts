import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibrary } from '../../../main/catalog/library';
import { getGarment } from '../../../main/catalog/queries/garments';
import { getSwatch } from '../../../main/catalog/queries/swatches';
import { writeSampleLibrary } from '../../../main/catalog/sample/sample-library';
import { encodeRgbPng } from '../../../main/swatch/png';
import { physicalCm } from '../../../main/swatch/u3m';
import { runCliCaptured } from '../support/cli-io';
import { periodicTexture } from './synthetic';

const dir = mkdtempSync(join(tmpdir(), 'r2r-swatch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('r2r swatch', () => {
  it('writes the swatch at --size, a U3M with its physical size, and reports the repeat as JSON', async () => {
    const picture = join(dir, 'cloth.png');
    await sharp(await encodeRgbPng(periodicTexture(200, 160, 25, 20, { shading: true }))).toFile(picture);
    const out = join(dir, 'swatch.png');
    const u3m = join(dir, 'cloth.u3m');
    const r = await runCliCaptured(['swatch', picture, '--region', '10,10,180,140', '--out', out, '--size', '200', '--u3m', u3m, '--dpi', '100', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.repeat).toEqual({ periodX: 25, periodY: 20 });
    expect(report.size).toEqual({ width: 200, height: 160 });
    expect(report.patch).toEqual({ width: 180, height: 140 });
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([200, 160, 'png']);
    const material = JSON.parse(readFileSync(u3m, 'utf8'));
    expect(material.schema).toBe('1.0');
    // one repeat is 25 x 20 px of the picture: at 100 dpi that is 0.635 x 0.508 cm
    expect(material.material.front.basecolor.texture.image).toMatchObject({ path: 'swatch.png', dpi: 100, width: 0.635, height: 0.508, repeat: { mode: 'normal' } });
  });

  it('takes a quad and --tile, and refuses a bad region, tile or both region and quad', async () => {
    const picture = join(dir, 'plain.png');
    await sharp(await encodeRgbPng(periodicTexture(120, 120, 20, 20))).toFile(picture);
    const out = join(dir, 'q.png');
    const ok = await runCliCaptured(['swatch', picture, '--quad', '0,0,100,0,100,100,0,100', '--tile', '20x20', '--size', '0', '--out', out, '--json']);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ repeat: { periodX: 20, periodY: 20 }, confidence: { x: null, y: null }, size: { width: 20, height: 20 } });
    const bad = [
      [['--region', '1,2,3'], /--region needs 4 comma-separated numbers/],
      [['--tile', '20by20'], /--tile must be auto or WxH/],
      [['--region', '0,0,50,50', '--quad', '0,0,1,0,1,1,0,1'], /give one of them/],
      [['--quad', '0,0,50,50,100,100,150,150'], /do not span an area/],
    ] as const;
    for (const [args, message] of bad) {
      const r = await runCliCaptured(['swatch', picture, '--out', out, ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.err).toMatch(message);
    }
  });

  it("stores the extracted swatch as a library colorway's, with its repeat and confidence", async () => {
    const libDir = join(dir, 'lib');
    const { tree } = await writeSampleLibrary(libDir, { garments: 1, colorways: 1, width: 48, height: 60, views: ['front'] });
    const g = tree.garments[0]!;
    const picture = join(dir, 'cloth2.png');
    await sharp(await encodeRgbPng(periodicTexture(160, 160, 16, 20))).toFile(picture);
    const r = await runCliCaptured(['swatch', picture, '--out', join(dir, 's2.png'), '--size', '64', '--library', libDir, '--colorway', `${g.sku}/${g.colorways[0]}`, '--json']);
    expect(r.code, r.err).toBe(0);
    const lib = openLibrary(libDir);
    try {
      const colorway = getGarment(lib, g.sku).colorways[0]!;
      const stored = getSwatch(lib, colorway.id)!;
      expect(stored).toMatchObject({ periodX: 16, periodY: 20, origin: 'extracted', width: 51, height: 64 });
      expect(stored.confidenceX).toBeGreaterThan(0.8);
    } finally {
      lib.close();
    }
    const unknown = await runCliCaptured(['swatch', picture, '--out', join(dir, 's3.png'), '--library', libDir, '--colorway', `${g.sku}/no-such`]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/has no colorway 'no-such'/);
    const half = await runCliCaptured(['swatch', picture, '--out', join(dir, 's3.png'), '--library', libDir]);
    expect(half.err).toMatch(/--library and --colorway go together/);
  });

  it('exports a stored true swatch as PNG and U3M with the physical size of its sub-pixel repeat', async () => {
    const libDir = join(dir, 'lib-export');
    const { tree } = await writeSampleLibrary(libDir, { garments: 6, colorways: 1, width: 48, height: 60, views: ['front'] });
    // garment 5 is a hoodie: knit only
    const hoodie = tree.garments.find((g) => g.category === 'hoodie')!;
    const out = join(dir, 'knit.png');
    const u3m = join(dir, 'knit.u3m');
    const r = await runCliCaptured(['swatch', 'export', '--library', libDir, '--colorway', `${hoodie.sku}/${hoodie.colorways[0]}`, '--out', out, '--u3m', u3m, '--dpi', '90', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ origin: 'procedural', repeat: { periodX: 9, periodY: 6.75 }, size: { width: 9, height: 7 } });
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.width, meta.height]).toEqual([9, 7]);
    // 9 x 6.75 px at 90 dpi: 0.1 x 0.075 inch = 0.254 x 0.1905 cm
    expect(JSON.parse(readFileSync(u3m, 'utf8')).material.front.basecolor.texture.image).toMatchObject({ path: 'knit.png', dpi: 90, width: 0.254, height: 0.1905 });
    const none = await runCliCaptured(['swatch', 'export', '--library', libDir, '--colorway', `${hoodie.sku}/nope`, '--out', out]);
    expect(none.err).toMatch(/has no colorway 'nope'/);
  });

  it('gives physical sizes in centimetres', () => {
    expect(physicalCm(150, 150)).toBe(2.54);
    expect(physicalCm(300, 600)).toBe(1.27);
  });
});
