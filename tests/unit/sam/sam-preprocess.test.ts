import { describe, expect, it } from 'vitest';
import { encoderInput, prepareSamImage, sourceToRgb8 } from '../../../main/inference/sam/preprocess';
import type { SourceImage } from '../../../main/inference/image/source-image';

const PLANE = 1024 * 1024;

/** 1024 wide, 512 high: left half (200, 100, 50), right half (10, 20, 30) */
function halves(): { width: number; height: number; data: Uint8Array } {
  const width = 1024;
  const height = 512;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(x < 512 ? [200, 100, 50] : [10, 20, 30], (y * width + x) * 3);
  return { width, height, data };
}

describe('SAM preprocessing', () => {
  it('SAM 1: (pixel - mean) / std in 0..255 units, NCHW, zeros in the padding below the image', () => {
    const t = encoderInput(halves(), 'sam1');
    expect(t.length).toBe(3 * PLANE);
    // mean 123.675, 116.28, 103.53 and std 58.395, 57.12, 57.375 (segment_anything Sam defaults)
    expect(t[10 * 1024 + 10]).toBeCloseTo((200 - 123.675) / 58.395, 5);
    expect(t[PLANE + 10 * 1024 + 10]).toBeCloseTo((100 - 116.28) / 57.12, 5);
    expect(t[2 * PLANE + 300 * 1024 + 900]).toBeCloseTo((30 - 103.53) / 57.375, 5);
    expect(t[700 * 1024 + 10]).toBe(0);
    expect(t[2 * PLANE + 1023 * 1024 + 1023]).toBe(0);
  });

  it('SAM 2: pixel / 255, then ImageNet mean and std, the image stretched over the whole square', async () => {
    const small = { width: 512, height: 256, data: halves().data.filter((_, i) => Math.floor(i / 3) % 1024 < 512 && Math.floor(i / 3 / 1024) < 256) };
    const { frame, input } = await prepareSamImage(small, 'sam2');
    expect(frame).toMatchObject({ width: 1024, height: 1024 });
    const expected = (200 / 255 - 0.485) / 0.229;
    expect(input[0]).toBeCloseTo(expected, 4);
    expect(input[1023 * 1024 + 1023]).toBeCloseTo(expected, 4);
    expect(input[2 * PLANE + 1000 * 1024 + 5]).toBeCloseTo((50 / 255 - 0.406) / 0.225, 4);
  });

  it('SAM 1 resizes the longest side to 1024: a 512x256 image fills 1024x512 and the rest is padding', async () => {
    const img = { width: 512, height: 256, data: new Uint8Array(512 * 256 * 3).fill(200) };
    const { frame, input } = await prepareSamImage(img, 'sam1');
    expect(frame).toMatchObject({ width: 1024, height: 512 });
    expect(input[511 * 1024 + 1023]).toBeCloseTo((200 - 123.675) / 58.395, 4);
    expect(input[512 * 1024]).toBe(0);
  });

  it('16-bit sources become 8-bit, transparent pixels white', async () => {
    const deep: SourceImage = { path: 'x.png', width: 1, height: 1, channels: 3, depth: 16, grey: false, format: 'png', data: Uint16Array.from([51400, 0, 65535]) };
    expect([...(await sourceToRgb8(deep)).data]).toEqual([200, 0, 255]);
    const clear: SourceImage = { path: 'y.png', width: 1, height: 1, channels: 4, depth: 8, grey: false, format: 'png', data: Uint8Array.from([0, 0, 0, 0]) };
    expect([...(await sourceToRgb8(clear)).data]).toEqual([255, 255, 255]);
  });
});
