import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskToImage } from '../../../main/inference/sam/postprocess';
import { decoderPoints } from '../../../main/inference/sam/prompt';
import { samFrame, toModelPoint } from '../../../main/inference/sam/sam-frame';
import { SamModel } from '../../../main/inference/sam/sam-model';
import { flatImage, maskStats, RADIUS_1024, sam1Decoder, sam1Encoder, sam2Decoder, sam2Encoder, samFolder } from './tiny-sam';

describe('click coordinates in the 1024 space', () => {
  it('SAM 1 scales both axes by 1024 / longest side (ResizeLongestSide), padding below', () => {
    const f = samFrame('sam1', 640, 480);
    expect(f).toMatchObject({ width: 1024, height: 768 });
    expect(toModelPoint(f, 500, 100)).toEqual([800, 160]);
    expect(toModelPoint(f, 640, 480)).toEqual([1024, 768]);
    // 333 * 1024 / 1000 = 340.99: int(340.99 + 0.5) = 341 rows, as get_preprocess_shape rounds
    expect(samFrame('sam1', 1000, 333).height).toBe(341);
  });

  it('SAM 2 stretches each axis to 1024 (SAM2Transforms)', () => {
    const f = samFrame('sam2', 640, 480);
    const [x, y] = toModelPoint(f, 500, 100);
    expect(x).toBe(800);
    expect(y).toBeCloseTo(213.333, 3);
  });

  it('labels: 1 positive, 0 negative, 2/3 box corners; SAM 1 pads a -1 point without a box, SAM 2 puts the box first', () => {
    const f = samFrame('sam1', 640, 480);
    const clicks = { points: [{ x: 500, y: 100, positive: true }, { x: 10, y: 20, positive: false }] };
    const p = decoderPoints(clicks, f, 'sam1');
    expect([...p.labels]).toEqual([1, 0, -1]);
    expect([...p.coords]).toEqual([800, 160, 16, 32, 0, 0]);
    const box = { points: [{ x: 500, y: 100, positive: true }], box: { x0: 320, y0: 240, x1: 10, y1: 20 } };
    const b1 = decoderPoints(box, f, 'sam1');
    expect([...b1.labels]).toEqual([1, 2, 3]);
    expect([...b1.coords]).toEqual([800, 160, 16, 32, 512, 384]);
    const b2 = decoderPoints(box, samFrame('sam2', 640, 480), 'sam2');
    expect([...b2.labels]).toEqual([2, 3, 1]);
    expect(() => decoderPoints({ points: [] }, f, 'sam1')).toThrow(/nothing to segment/);
  });
});

describe('low-resolution masks back to the image', () => {
  it('SAM 1: a 256 grid over the padded square maps back without the padding', () => {
    // positive above y = 384 in the 1024 space (grid rows < 96): on a 640x480 image (frame 1024x768) that is rows < 240
    const logits = new Float32Array(256 * 256).map((_, i) => (Math.floor(i / 256) < 96 ? 1 : -1));
    const m = maskToImage(logits, 256, 256, samFrame('sam1', 640, 480));
    expect([m.width, m.height]).toEqual([640, 480]);
    const rows = Array.from({ length: 480 }, (_, y) => m.data[y * 640 + 320]);
    expect(rows.lastIndexOf(255)).toBeGreaterThanOrEqual(238);
    expect(rows.lastIndexOf(255)).toBeLessThanOrEqual(240);
    expect(rows.indexOf(0)).toBe(rows.lastIndexOf(255) + 1);
  });

  it('SAM 2: the grid covers the whole stretched image', () => {
    const logits = new Float32Array(256 * 256).map((_, i) => (i % 256 < 128 ? 1 : -1));
    const m = maskToImage(logits, 256, 256, samFrame('sam2', 300, 100));
    const row = Array.from({ length: 300 }, (_, x) => m.data[50 * 300 + x]);
    expect(row.lastIndexOf(255)).toBe(149);
    expect(row.indexOf(0)).toBe(150);
  });
});

// the tiny decoders draw a disk of RADIUS_1024 around the first point they receive: its centroid is where the click landed
describe('a click reaches the decoder at its place and the mask comes back at the image size', () => {
  let sam1: SamModel;
  let sam2: SamModel;
  beforeAll(async () => {
    sam1 = await SamModel.load(samFolder(sam1Encoder(), sam1Decoder()));
    sam2 = await SamModel.load(samFolder(sam2Encoder(), sam2Decoder()));
  });
  afterAll(async () => {
    await Promise.all([sam1.release(), sam2.release()]);
  });

  it('SAM 1: a disk around the clicked pixel, of radius 64 * 640 / 1024 = 40 image pixels', async () => {
    const e = await sam1.embed(flatImage(640, 480));
    const m = await sam1.segment(e, { points: [{ x: 500, y: 100, positive: true }] });
    expect([m.width, m.height]).toEqual([640, 480]);
    const s = maskStats(m);
    expect(s.x).toBeCloseTo(500, 0);
    expect(s.y).toBeCloseTo(100, 0);
    const area = Math.PI * 40 * 40;
    expect(Math.abs(s.area - area) / area).toBeLessThan(0.02);
    expect(m.data[100 * 640 + 500]).toBe(255);
    expect(m.data[400 * 640 + 100]).toBe(0);
  });

  it('SAM 1 box prompt: the first point is the clicked one, the box corners follow', async () => {
    const e = await sam1.embed(flatImage(300, 600));
    const m = await sam1.segment(e, { points: [{ x: 150, y: 450, positive: true }], box: { x0: 100, y0: 400, x1: 200, y1: 500 } });
    const s = maskStats(m);
    expect(s.x).toBeCloseTo(150, 0);
    expect(s.y).toBeCloseTo(450, 0);
  });

  it('SAM 2: the best of three masks, stretched back (an ellipse of 40 x 30 pixels on 640x480)', async () => {
    const e = await sam2.embed(flatImage(640, 480));
    expect(Object.keys(e.tensors).sort()).toEqual(['high_res_feats_0', 'high_res_feats_1', 'image_embed']);
    expect(e.tensors.high_res_feats_0!.dims).toEqual([1, 32, 256, 256]);
    const m = await sam2.segment(e, { points: [{ x: 500, y: 100, positive: true }] });
    expect(m.score).toBeCloseTo(0.9, 5);
    const s = maskStats(m);
    expect(s.x).toBeCloseTo(500, 0);
    expect(s.y).toBeCloseTo(100, 0);
    const area = Math.PI * ((RADIUS_1024 * 640) / 1024) * ((RADIUS_1024 * 480) / 1024);
    expect(Math.abs(s.area - area) / area).toBeLessThan(0.03);
  });
});
