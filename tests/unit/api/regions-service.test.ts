// the Shot view's Regions panel API on a real sample library whose avatars carry label masks
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionsService } from '../../../preload/api/contract';
import { LABEL_COLOURS, REGION_ROLES } from '../../../preload/api/region-types';
import { createRegionsService } from '../../../main/api/regions-service';
import { LibraryHolder } from '../../../main/api/library-service';
import { assetFile, deleteMask, insertGeneration, searchGarments, setMask, updateGeneration, writeSampleLibrary } from '../../../main/catalog/index';

const dir = mkdtempSync(join(tmpdir(), 'r2r-regions-service-'));
const W = 48;
const H = 64;
let holder: LibraryHolder;
let regions: RegionsService;
let avatarRender: number;
let plainRender: number;

beforeAll(async () => {
  await writeSampleLibrary(join(dir, 'lib'), { garments: 1, colorways: 1, avatars: 1, views: ['front'], width: W, height: H });
  holder = new LibraryHolder({ recentFile: join(dir, 'recent.json') });
  holder.open(join(dir, 'lib'));
  const garments = searchGarments(holder.require(), {}).garments;
  avatarRender = garments.find((g) => g.sku.startsWith('AV-'))!.renders[0]!.id;
  plainRender = garments.find((g) => !g.sku.startsWith('AV-'))!.renders[0]!.id;
  regions = createRegionsService(holder);
});
afterAll(() => {
  holder?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('regions service', () => {
  it('lists the built-ins first', async () => {
    const list = await regions.list();
    expect(list.slice(0, 2).map((p) => [p.name, p.builtIn])).toEqual([['garment + face realism', true], ['new background', true]]);
    expect(list[0]!.roles.garment).toEqual({ strength: 0.3, tacRatio: 0.9 });
  });

  it("gives each role's pixels on an avatar render, counted independently from the stored label mask", async () => {
    const r = await regions.forRender(avatarRender);
    expect(r.labels).toMatch(/^[0-9a-f]{64}$/);
    const { data } = await sharp(assetFile(holder.require(), r.labels!)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // the sample paints exact label colours (and yellow hair, which has no role)
    const exact = REGION_ROLES.map((role) => {
      const [cr, cg, cb] = LABEL_COLOURS[role];
      let n = 0;
      for (let p = 0; p < W * H; p++) if (data[3 * p] === cr && data[3 * p + 1] === cg && data[3 * p + 2] === cb) n++;
      return n;
    });
    expect(r.roles.map((x) => x.role)).toEqual([...REGION_ROLES]);
    expect(r.roles.map((x) => x.pixels)).toEqual(exact);
    expect(r.roles.map((x) => x.source)).toEqual(['label mask', 'label mask', 'label mask', 'label mask']);
    expect(r.garmentMask).toBeNull();
    for (const x of r.roles) {
      expect(x.pixels).toBeGreaterThan(0);
      expect(x.coverage).toBeCloseTo(x.pixels / (W * H), 12);
    }
  });

  it('says what to do for a render without a label mask, naming its file', async () => {
    const r = await regions.forRender(plainRender);
    expect(r.labels).toBeNull();
    expect(r.roles.every((x) => x.pixels === 0 && x.coverage === 0)).toBe(true);
    expect(r.missingHint).toContain('front_raster.mask.png');
    await expect(regions.forRender(99_999)).rejects.toMatchObject({ code: 'unknown-render' });
  });

  it("without a label mask, counts a painted garment mask as the garment role (grey pixels in part)", async () => {
    const lib = holder.require();
    // the top 16 rows white, the next 8 rows grey 51 (a fifth), the rest black
    const raw = Buffer.alloc(W * H);
    raw.fill(255, 0, 16 * W);
    raw.fill(51, 16 * W, 24 * W);
    await setMask(lib, plainRender, 'garment', await sharp(raw, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer());
    try {
      const r = await regions.forRender(plainRender);
      expect(r.labels).toBeNull();
      expect(r.garmentMask).toMatch(/^[0-9a-f]{64}$/);
      expect(r.roles.map((x) => [x.role, x.pixels, x.source])).toEqual([['background', 0, null], ['garment', 24 * W, 'garment mask'], ['skin', 0, null], ['face', 0, null]]);
      expect(r.roles[1]!.coverage).toBeCloseTo((16 * W + 8 * W * 0.2) / (W * H), 12);
    } finally {
      deleteMask(lib, plainRender, 'garment');
    }
  });

  it('saves a copy under a new name, replaces it on a second save and deletes it; built-ins are refused in any case', async () => {
    const saved = await regions.save('  Soft garment ', { garment: { strength: 0.2, tacRatio: 1 }, face: { strength: 0.6, prompt: 'photo of a person' } });
    expect([saved.name, saved.builtIn]).toEqual(['Soft garment', false]);
    const again = await regions.save('Soft garment', { garment: { strength: 0.25 } });
    expect(again.id).toBe(saved.id);
    expect(again.roles).toEqual({ garment: { strength: 0.25 } });
    expect((await regions.list()).map((p) => p.name)).toEqual(['garment + face realism', 'new background', 'Soft garment']);

    await expect(regions.save('Garment + Face REALISM', { face: { strength: 0.5 } })).rejects.toMatchObject({ code: 'preset-built-in', message: expect.stringContaining("built-in preset 'garment + face realism'") });
    await expect(regions.save('empty', {})).rejects.toMatchObject({ code: 'bad-preset' });
    const builtIn = (await regions.list()).find((p) => p.builtIn)!;
    await expect(regions.remove(builtIn.id)).rejects.toMatchObject({ code: 'preset-built-in' });

    expect(await regions.remove(saved.id)).toBe(true);
    expect(await regions.remove(saved.id)).toBe(false);
    expect((await regions.list()).filter((p) => !p.builtIn)).toEqual([]);
  });

  it("reports a region shot's recorded layers, and null for a shot without a preset", async () => {
    const lib = holder.require();
    const layers = [
      { name: 'rest', strength: 0.3, k: 3, tacSteps: 2, sampleEvaluations: 6, inversionSteps: 3 },
      { name: 'face', strength: 0.5, k: 5, tacSteps: 0, sampleEvaluations: 10, inversionSteps: 5 },
    ];
    const withPreset = insertGeneration(lib, { source: { renderId: avatarRender }, model: 'tiny', seed: 0, params: { regions: { preset: 'garment + face realism', roles: { face: { strength: 0.5 } } } } });
    updateGeneration(lib, withPreset.id, { metrics: { seconds: 1, regions: layers } });
    expect(await regions.report(withPreset.id)).toEqual({ generationId: withPreset.id, preset: 'garment + face realism', roles: { face: { strength: 0.5 } }, layers });
    const plain = insertGeneration(lib, { source: { renderId: avatarRender }, model: 'tiny', seed: 0, params: { strength: 0.3 } });
    expect(await regions.report(plain.id)).toBeNull();
    await expect(regions.report(99_999)).rejects.toMatchObject({ code: 'unknown-generation' });
  });
});
