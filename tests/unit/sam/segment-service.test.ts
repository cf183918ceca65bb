import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../main/api/index';
import { internalJobKinds, jobKinds } from '../../../main/api/job-kinds';
import { LibraryHolder } from '../../../main/api/library-service';
import { SamSettings } from '../../../main/api/sam-settings';
import { createSegmentService, type EmbedImage } from '../../../main/api/segment-service';
import { createLibrary, MetadataWriter, storeImage } from '../../../main/catalog/index';
import { inlineWorkerFactory } from '../../../main/jobs/inline-worker';
import { releaseSamEmbedModel, samEmbedJob } from '../../../main/jobs/kinds/sam-embed-job';
import { maskStats, sam1Decoder, sam1Encoder, sam2Decoder, sam2Encoder, samFolder } from './tiny-sam';

let dir: string;
let libDir: string;
let sam1: string;
let sam2: string;
const ctx = { jobId: 'j', signal: new AbortController().signal, progress: () => {} };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r2r-segment-'));
  process.env.R2R_CONFIG_DIR = join(dir, 'config');
  process.env.R2R_CACHE_DIR = join(dir, 'cache');
  libDir = join(dir, 'lib');
  const lib = createLibrary(libDir);
  const a = await storeImage(lib, await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 200, g: 180, b: 160 } } }).png().toBuffer());
  const asset = { hash: a.hash, ext: a.ext, bytes: a.bytes, width: 320, height: 240 };
  new MetadataWriter(lib).writeMany([{ sku: 'S-1', name: 'Shirt', category: 'shirt', tags: [], notes: '', colorways: [{ name: 'white', renders: [{ view: 'front', kind: 'raster', renderer: 't', width: 320, height: 240, asset, sourcePath: null }] }] }]);
  lib.close();
  sam1 = samFolder(sam1Encoder(), sam1Decoder());
  sam2 = samFolder(sam2Encoder(), sam2Decoder());
});

afterAll(async () => {
  await releaseSamEmbedModel();
  rmSync(dir, { recursive: true, force: true });
});

const unpack = (m: { width: number; height: number; deflated: string }) => ({ width: m.width, data: inflateSync(Buffer.from(m.deflated, 'base64'), { out: new Uint8Array(m.width * m.height) }) });

describe('segment service', () => {
  it('prepares a render once; later clicks run only the decoder', async () => {
    const holder = new LibraryHolder();
    holder.open(libDir);
    let embeds = 0;
    const embed: EmbedImage = async (p) => (embeds++, samEmbedJob.run({ ...p, cacheDir: join(dir, 'cache-a') }, ctx));
    const seg = createSegmentService(holder, embed, new SamSettings(join(dir, 'sam-a.json')));
    try {
      await expect(seg.service.prepare(1)).rejects.toThrow(/No Segment Anything model is set/);
      expect((await seg.service.model()).path).toBeNull();
      expect(await seg.service.setModel(sam1)).toMatchObject({ path: sam1, variant: 'sam1' });
      expect((await seg.service.prepare(1)).cached).toBe(false);
      const m1 = await seg.service.mask(1, { points: [{ x: 200, y: 60, positive: true }] });
      const m2 = await seg.service.mask(1, { points: [{ x: 40, y: 200, positive: true }] });
      expect([embeds, seg.stats.prepares, seg.stats.masks, seg.stats.decoderLoads]).toEqual([1, 1, 2, 1]);
      const s1 = maskStats(unpack(m1));
      expect([Math.round(s1.x), Math.round(s1.y)]).toEqual([200, 60]);
      const s2 = maskStats(unpack(m2));
      expect([Math.round(s2.x), Math.round(s2.y)]).toEqual([40, 200]);
      expect(m1.ms).toBeGreaterThanOrEqual(0);
      console.log(`segment.mask on a prepared 320x240 render (tiny SAM 1): ${m1.ms} ms, then ${m2.ms} ms`);
      await expect(seg.service.mask(99, { points: [{ x: 1, y: 1, positive: true }] })).rejects.toThrow('no render #99');
    } finally {
      await seg.close();
    }
  });

  it('keeps the folder per library and overall; refuses a wrong pair without changing the pick', async () => {
    const holder = new LibraryHolder();
    holder.open(libDir);
    const settings = new SamSettings(join(dir, 'sam-b.json'));
    const seg = createSegmentService(holder, async () => Promise.reject(new Error('not used')), settings);
    try {
      await seg.service.setModel(sam2);
      const wrong = samFolder(sam2Encoder(), sam1Decoder());
      await expect(seg.service.setModel(wrong)).rejects.toThrow(/lacks inputs high_res_feats_0/);
      expect(await seg.service.model()).toMatchObject({ path: sam2, variant: 'sam2' });
      // another library starts from the last pick anywhere; its own pick of none stays its own
      expect(settings.folder('/elsewhere')).toBe(sam2);
      settings.choose('/elsewhere', null);
      expect([settings.folder('/elsewhere'), settings.folder(libDir)]).toEqual([null, sam2]);
      await expect(seg.service.setModel('relative/path')).rejects.toThrow(/not an absolute path/);
    } finally {
      await seg.close();
    }
  });
});

describe('segment API through the backend (embedding in the job worker)', () => {
  it('setModel, then a click gives a mask at the render size, around the click', async () => {
    const backend = createBackend({ library: libDir, jobKinds, jobWorker: inlineWorkerFactory(jobKinds), metricsWorker: inlineWorkerFactory(internalJobKinds) });
    try {
      await backend.api.segment.setModel(sam2);
      const prep = await backend.api.segment.prepare(1);
      expect(prep).toMatchObject({ renderId: 1, variant: 'sam2' });
      const m = await backend.api.segment.mask(1, { points: [{ x: 250, y: 50, positive: true }], box: { x0: 300, y0: 90, x1: 200, y1: 40 } });
      expect([m.width, m.height]).toEqual([320, 240]);
      const s = maskStats(unpack(m));
      // the tiny SAM 2 decoder draws around the first point it gets, which for SAM 2 is the box's top-left corner (the corners sorted)
      expect([Math.round(s.x), Math.round(s.y)]).toEqual([200, 40]);
    } finally {
      await backend.close();
    }
  });
});
