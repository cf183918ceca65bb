import { describe, expect, it } from 'vitest';
import { garmentMesh } from '../../../main/catalog/sample/garment-model';
import type { U3mImage, U3mSide } from '../../../preload/api/u3m-types';
import { bakeScalar, planImages, planMaterial, wrapFor } from '../../../renderer/render3d/u3m-mapping';
import { mmPerUv, physicalRepeat } from '../../../renderer/render3d/uv-scale';

const image = (path: string, widthMm = 50, heightMm = 25): U3mImage => ({ path, format: 'png', pixels: { width: 64, height: 32 }, widthMm, heightMm, repeat: 'normal' });

function side(over: Partial<U3mSide> = {}): U3mSide {
  return {
    basecolor: { constant: { r: 1, g: 0, b: 0 }, texture: null },
    normal: { texture: null },
    roughness: { constant: 0.8, texture: null },
    metalness: { constant: 0, texture: null },
    alpha: { constant: 1, texture: null },
    sheenValue: { constant: 0, texture: null },
    sheenTint: { constant: 0, texture: null },
    ...over,
  };
}

describe('U3M side to three.js material parameters', () => {
  it('takes constants as they are when no channel has a texture', () => {
    const plan = planMaterial(side({ alpha: { constant: 0.5, texture: null }, sheenValue: { constant: 0.4, texture: null } }));
    expect(plan).toMatchObject({ color: { r: 1, g: 0, b: 0 }, map: null, normalMap: null, roughness: 0.8, roughnessMap: null, metalness: 0, opacity: 0.5, transparent: true, sheen: 0.4, sheenMap: null });
    // no tint: white sheen
    expect(plan.sheenColor).toEqual({ r: 1, g: 1, b: 1 });
    expect(planImages(plan)).toEqual([]);
  });

  it('lets a texture replace its constant: colour factor times map, scalar maps baked whole (three.js factor 1)', () => {
    const color = image('c.png');
    const rough = image('r.png');
    const plan = planMaterial(
      side({
        basecolor: { constant: { r: 0, g: 1, b: 0 }, texture: { factor: { r: 0.5, g: 0.5, b: 1 }, mode: 'multiply', image: color } },
        roughness: { constant: 0.2, texture: { factor: 0.5, offset: 0.3, image: rough } },
        normal: { texture: { scale: 2, image: image('n.png') } },
        alpha: { constant: 1, texture: { factor: 1, offset: 0, image: color } },
      }),
    );
    expect(plan.color).toEqual({ r: 0.5, g: 0.5, b: 1 });
    expect(plan.map).toBe(color);
    expect(plan.roughness).toBe(1);
    expect(plan.roughnessMap).toEqual({ image: rough, factor: 0.5, offset: 0.3 });
    expect(plan.normalMap).toEqual({ image: image('n.png'), scale: 2 });
    expect(plan.transparent).toBe(true);
    // each image loaded once though two channels share one
    expect(planImages(plan).map((i) => i.path)).toEqual(['c.png', 'n.png', 'r.png']);
  });

  it('mixes the sheen colour from white towards the basecolour by sheen_tint', () => {
    const plan = planMaterial(side({ basecolor: { constant: { r: 0.2, g: 0.6, b: 1 }, texture: null }, sheenTint: { constant: 0.5, texture: null } }));
    expect(plan.sheenColor.r).toBeCloseTo(0.6, 12);
    expect(plan.sheenColor.g).toBeCloseTo(0.8, 12);
    expect(plan.sheenColor.b).toBeCloseTo(1, 12);
  });

  it('clamps constants into 0..1', () => {
    const plan = planMaterial(side({ roughness: { constant: 1.7, texture: null }, metalness: { constant: -0.2, texture: null } }));
    expect([plan.roughness, plan.metalness]).toEqual([1, 0]);
  });

  it('bakes a scalar map: factor * red texel + offset, clamped, grey and opaque', () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 10, 0, 255, 255, 255, 102, 0, 0, 0]);
    expect([...bakeScalar(rgba, 0.5, 0.1)]).toEqual([153, 153, 153, 255, 26, 26, 26, 255, 77, 77, 77, 255]);
    expect([...bakeScalar(rgba, 1, 0.5)].filter((_, i) => i % 4 === 0)).toEqual([255, 128, 230]);
    expect([...bakeScalar(rgba, 1, -0.5)].filter((_, i) => i % 4 === 0)).toEqual([128, 0, 0]);
  });

  it('mirrors the repeat along the axes the U3M repeat mode names', () => {
    expect(wrapFor('normal')).toEqual({ s: 'repeat', t: 'repeat' });
    expect(wrapFor('mirror_x')).toEqual({ s: 'mirror', t: 'repeat' });
    expect(wrapFor('mirror_y')).toEqual({ s: 'repeat', t: 'mirror' });
    expect(wrapFor('mirror_xy')).toEqual({ s: 'mirror', t: 'mirror' });
  });

  it('repeats a 50 mm wide tile 20 times per UV unit around the sample garment, whose u is metres of arc', () => {
    const mesh = garmentMesh(32);
    const scale = mmPerUv(mesh.positions, mesh.uvs, mesh.indices)!;
    // u: arc length around each ring, sampled on flat facets: within a percent of 1000 mm per unit
    expect(scale.u).toBeGreaterThan(990);
    expect(scale.u).toBeLessThan(1010);
    // v: the distance between ring centres, shorter than the surface where the body narrows to the neck
    expect(scale.v).toBeGreaterThan(1000);
    expect(scale.v).toBeLessThan(1300);
    const repeat = physicalRepeat(scale, image('c.png', 50, 25));
    expect(repeat.x).toBeCloseTo(scale.u / 50, 12);
    expect(repeat.y).toBeCloseTo(scale.v / 25, 12);
    expect(Math.round(repeat.x)).toBe(20);
  });
});
