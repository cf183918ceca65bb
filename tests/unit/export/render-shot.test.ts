import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadPreset, parsePreset, withLongestSide } from '../../../main/export/presets';
import { renderShot, type ShotMetadata } from '../../../main/export/render-shot';
import { jpegIccProfile, jpegSize, jpegXmp } from '../../../main/export/metadata/jpeg-markers';
import { readPngChunks, readPngText } from '../../../main/export/metadata/png-chunks';
import { nonWhiteBox, renderPng } from './fixtures';

const meta: ShotMetadata = {
  sku: 'AB123',
  colorway: 'navy',
  view: 'front',
  kind: 'realistic',
  sourceSha256: 'cd'.repeat(32),
  creatorTool: 'R2R Studio test',
  generation: {
    prompt: '',
    negativePrompt: '<r2r-rendered>',
    steps: 50,
    sampler: 'DDIM',
    cfgScale: 7.5,
    seed: 42,
    width: 768,
    height: 1024,
    model: 'tiny-sd',
    denoisingStrength: 0.3,
  },
};

const render = () => renderPng({ width: 192, height: 256, background: { r: 120, g: 120, b: 120 }, product: { left: 50, top: 40, width: 60, height: 150 } });

/** an ICC profile's description tag, read by walking its tag table */
function iccDescription(icc: Buffer): string {
  const count = icc.readUInt32BE(128);
  for (let i = 0; i < count; i++) {
    const at = 132 + i * 12;
    if (icc.toString('latin1', at, at + 4) !== 'desc') continue;
    const off = icc.readUInt32BE(at + 4);
    const type = icc.toString('latin1', off, off + 4);
    if (type === 'desc') return icc.toString('latin1', off + 12, off + 12 + icc.readUInt32BE(off + 8) - 1);
    if (type === 'mluc') {
      const len = icc.readUInt32BE(off + 20);
      const start = icc.readUInt32BE(off + 24);
      return icc.subarray(off + start, off + start + len).swap16().toString('utf16le');
    }
  }
  return '';
}

describe('rendering an Amazon shot', () => {
  it('is a 1000x1000 JPEG on pure white with the product filling 85%+, centred, sRGB ICC and AI disclosure', async () => {
    const preset = withLongestSide(loadPreset('amazon'), 1000);
    const shot = await renderShot(await render(), preset, 'jpeg', meta);
    expect(shot.productBox).toEqual({ left: 50, top: 40, width: 60, height: 150 });
    expect(jpegSize(shot.data)).toEqual({ width: 1000, height: 1000 });

    const { data, info } = await sharp(shot.data).raw().toBuffer({ resolveWithObject: true });
    // corners and margins are RGB 255 exactly, after JPEG decoding
    for (const [x, y] of [[0, 0], [999, 0], [0, 999], [999, 999], [500, 10], [10, 500]] as const) {
      const o = (y * 1000 + x) * info.channels;
      expect([data[o], data[o + 1], data[o + 2]]).toEqual([255, 255, 255]);
    }
    const box = nonWhiteBox(data, info.width, info.height, info.channels)!;
    expect(box.height / 1000).toBeGreaterThanOrEqual(0.85);
    expect(box.height / 1000).toBeLessThan(0.87);
    expect(Math.abs(box.top + box.height / 2 - 500)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.left + box.width / 2 - 500)).toBeLessThanOrEqual(2);
    // aspect ratio of the garment is kept (60:150)
    expect(box.width / box.height).toBeCloseTo(60 / 150, 1);

    expect(iccDescription(jpegIccProfile(shot.data)!)).toMatch(/sRGB/);
    const xmp = jpegXmp(shot.data)!;
    expect(xmp).toContain('Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"');
    expect(xmp).toContain(`r2r:SourceSha256="${'cd'.repeat(32)}"`);
    expect(xmp).toContain('Steps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 42, Size: 768x1024');
    // libvips finds the same profile and packet where we put them
    const m = await sharp(shot.data).metadata();
    expect(m.icc!.equals(jpegIccProfile(shot.data)!)).toBe(true);
    expect(m.xmp!.toString('utf8')).toBe(xmp);
  });

  it('marks an exported render (no generation) as digital creation, not AI', async () => {
    const preset = withLongestSide(loadPreset('amazon'), 1000);
    const shot = await renderShot(await render(), preset, 'jpeg', { ...meta, kind: 'raytrace', generation: undefined });
    const xmp = jpegXmp(shot.data)!;
    expect(xmp).toContain('digitalsourcetype/digitalCreation"');
    expect(xmp).not.toContain('trainedAlgorithmicMedia');
    expect(xmp).not.toContain('r2r:Parameters');
  });

  it('converts a Display P3 source to sRGB', async () => {
    const p3 = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 100, b: 50 } } }).withIccProfile('p3').png().toBuffer();
    const stored = await sharp(p3).keepIccProfile().raw().toBuffer();
    expect([...stored.subarray(0, 3)]).not.toEqual([200, 100, 50]); // the file really holds P3 numbers
    // a solid colour would be all backdrop: put the patch on white, still stored as P3
    const onWhite = await sharp({ create: { width: 128, height: 128, channels: 3, background: '#ffffff' } })
      .composite([{ input: p3, left: 32, top: 32 }])
      .withIccProfile('p3')
      .png()
      .toBuffer();
    const preset = parsePreset({ ...loadPreset('shopify'), canvas: { width: 100, height: 100 } }, 'test');
    const shot = await renderShot(onWhite, preset, 'jpeg', meta);
    const { data } = await sharp(shot.data).raw().toBuffer({ resolveWithObject: true });
    const o = (50 * 100 + 50) * 3;
    expect(Math.abs(data[o]! - 200)).toBeLessThanOrEqual(3);
    expect(Math.abs(data[o + 1]! - 100)).toBeLessThanOrEqual(3);
    expect(Math.abs(data[o + 2]! - 50)).toBeLessThanOrEqual(3);
  });

  it('rejects a corrupt source and an empty render', async () => {
    const preset = withLongestSide(loadPreset('amazon'), 1000);
    const good = await render();
    await expect(renderShot(good.subarray(0, good.length / 2), preset, 'jpeg', meta)).rejects.toThrow();
    const empty = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#808080' } }).png().toBuffer();
    await expect(renderShot(empty, preset, 'jpeg', meta)).rejects.toThrow(/empty/);
  });
});

describe('PNG and WebP shots', () => {
  const pngPreset = parsePreset(
    { name: 'png-test', title: 'PNG test', canvas: { width: 120, height: 160 }, fill: 0.9, formats: ['png', 'webp'], naming: { template: '{sku}.{ext}' } },
    'test',
  );

  it('PNG carries tEXt parameters, JSON in iTXt r2r, XMP in iTXt XML:com.adobe.xmp and an sRGB iCCP', async () => {
    const shot = await renderShot(await render(), pngPreset, 'png', meta);
    const chunks = readPngChunks(shot.data);
    expect(chunks.some((c) => c.type === 'iCCP')).toBe(true);
    const text = readPngText(shot.data);
    const params = text.find((t) => t.keyword === 'parameters')!;
    expect(params.type).toBe('tEXt');
    expect(params.text).toBe(
      '\nNegative prompt: <r2r-rendered>\nSteps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 42, Size: 768x1024, Model: tiny-sd, Denoising strength: 0.3',
    );
    const json = JSON.parse(text.find((t) => t.keyword === 'r2r')!.text);
    expect(json).toMatchObject({ sku: 'AB123', source: { sha256: 'cd'.repeat(32) }, generation: { seed: 42 }, preset: 'png-test' });
    expect(json.productFill).toBeGreaterThanOrEqual(0.9);
    const xmp = text.find((t) => t.keyword === 'XML:com.adobe.xmp')!;
    expect(xmp.type).toBe('iTXt');
    expect(xmp.text).toContain('trainedAlgorithmicMedia');
    const m = await sharp(shot.data).metadata();
    expect([m.width, m.height, m.format]).toEqual([120, 160, 'png']);
  });

  it('WebP carries ICCP and XMP chunks (RIFF walk)', async () => {
    const shot = await renderShot(await render(), pngPreset, 'webp', meta);
    expect(shot.data.toString('latin1', 0, 4)).toBe('RIFF');
    expect(shot.data.toString('latin1', 8, 12)).toBe('WEBP');
    const chunks: Record<string, Buffer> = {};
    for (let at = 12; at + 8 <= shot.data.length; ) {
      const size = shot.data.readUInt32LE(at + 4);
      chunks[shot.data.toString('latin1', at, at + 4)] = shot.data.subarray(at + 8, at + 8 + size);
      at += 8 + size + (size & 1);
    }
    expect(Object.keys(chunks)).toEqual(expect.arrayContaining(['VP8X', 'ICCP', 'XMP ']));
    expect(chunks['XMP ']!.toString('utf8')).toContain('trainedAlgorithmicMedia');
    expect(iccDescription(chunks.ICCP!)).toMatch(/sRGB/);
  });
});
