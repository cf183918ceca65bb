import type { U3mColor, U3mImage, U3mSide } from '../../preload/api/u3m-types';

/** a scalar channel's texture as the renderer bakes it: each texel's value = factor * texel + offset, clamped to 0..1 */
export interface ScalarMap {
  image: U3mImage;
  factor: number;
  offset: number;
}

/**
 * A U3M side as three.js MeshPhysicalMaterial parameters, before any image is loaded. Where a
 * channel has a texture its constant is not used (U3M: the texture, times its factor, plus
 * its offset, replaces it); a scalar map carries its values whole, so its three.js factor is 1.
 */
export interface MaterialPlan {
  /** sRGB 0..1: the basecolor constant, or the texture's factor that multiplies the map */
  color: U3mColor;
  map: U3mImage | null;
  normalMap: { image: U3mImage; scale: number } | null;
  roughness: number;
  roughnessMap: ScalarMap | null;
  metalness: number;
  metalnessMap: ScalarMap | null;
  opacity: number;
  alphaMap: ScalarMap | null;
  transparent: boolean;
  sheen: number;
  sheenMap: ScalarMap | null;
  /** sRGB 0..1: white mixed towards the basecolor by sheen_tint (its constant) */
  sheenColor: U3mColor;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function planMaterial(side: U3mSide): MaterialPlan {
  const scalar = (ch: U3mSide['roughness']) => ({
    value: ch.texture ? 1 : clamp01(ch.constant),
    map: ch.texture ? { image: ch.texture.image, factor: ch.texture.factor, offset: ch.texture.offset } : null,
  });
  const rough = scalar(side.roughness);
  const metal = scalar(side.metalness);
  const alpha = scalar(side.alpha);
  const sheen = scalar(side.sheenValue);
  const base = side.basecolor.texture ? side.basecolor.texture.factor : side.basecolor.constant;
  const tint = clamp01(side.sheenTint.constant);
  return {
    color: base,
    map: side.basecolor.texture?.image ?? null,
    normalMap: side.normal.texture ? { image: side.normal.texture.image, scale: side.normal.texture.scale } : null,
    roughness: rough.value,
    roughnessMap: rough.map,
    metalness: metal.value,
    metalnessMap: metal.map,
    opacity: alpha.value,
    alphaMap: alpha.map,
    transparent: alpha.map !== null || alpha.value < 1,
    sheen: sheen.value,
    sheenMap: sheen.map,
    sheenColor: { r: 1 + (side.basecolor.constant.r - 1) * tint, g: 1 + (side.basecolor.constant.g - 1) * tint, b: 1 + (side.basecolor.constant.b - 1) * tint },
  };
}

/**
 * Bakes a scalar map into the grey RGBA texels three.js reads (roughness from G, metalness
 * from B, alpha from G, sheen colour from RGB): factor * the image's red texel + offset,
 * clamped. U3M scalar images are greyscale, so red is the value.
 */
export function bakeScalar(rgba: Uint8ClampedArray, factor: number, offset: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const v = Math.round(clamp01(factor * (rgba[i]! / 255) + offset) * 255);
    out[i] = out[i + 1] = out[i + 2] = v;
    out[i + 3] = 255;
  }
  return out;
}

/** texture wrapping per axis: a mirrored repeat flips every other tile along its axis */
export function wrapFor(repeat: U3mImage['repeat']): { s: 'repeat' | 'mirror'; t: 'repeat' | 'mirror' } {
  return { s: repeat === 'mirror_x' || repeat === 'mirror_xy' ? 'mirror' : 'repeat', t: repeat === 'mirror_y' || repeat === 'mirror_xy' ? 'mirror' : 'repeat' };
}

/** every image a plan samples, once each, by path */
export function planImages(plan: MaterialPlan): U3mImage[] {
  const all = [plan.map, plan.normalMap?.image, plan.roughnessMap?.image, plan.metalnessMap?.image, plan.alphaMap?.image, plan.sheenMap?.image];
  const byPath = new Map<string, U3mImage>();
  for (const img of all) if (img) byPath.set(img.path, img);
  return [...byPath.values()];
}
