import { UserError } from '../../common/errors';
import type { UnetCall } from './diffusion-model';

export function concatRows(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let o = 0;
  for (const r of rows) {
    out.set(r, o);
    o += r.length;
  }
  return out;
}

/** a garment's region [h * w] scaled by its fidelity: the weights its tokens get in reference attention */
export function garmentRegion(region: Float32Array, weight: number, plane: number, index: number): Float32Array {
  if (region.length !== plane) throw new Error(`garment ${index + 1}: region has ${region.length} cells, the latent grid ${plane}`);
  if (!(weight >= 0 && weight <= 1)) throw new UserError('bad-option', `garment ${index + 1}: fidelity must be from 0 to 1, got ${weight}`);
  return region.map((v) => Math.min(1, Math.max(0, v)) * weight);
}

export interface DressRowsInput {
  /** the generated latent */
  x: Float32Array;
  /** the render's inverted latent at this step, while it lends Q/K (TAC) */
  reference?: Float32Array;
  /** each garment's inverted latent at this step */
  garments: Float32Array[];
  /** each garment's weighted region [h * w] */
  regions: Float32Array[];
  texts: { empty: Float32Array; negative: Float32Array; prompt: Float32Array };
  plane: number;
  supportsTac: boolean;
  /** the UNet takes tac_token_mask: texture lock can be held to the garments' regions */
  supportsTextureLock?: boolean;
}

/**
 * Where the render lends its textures (TAC) while garments are dressed: every token some garment's
 * region reaches (1), none outside them (0); the rows not taking Q/K from another keep 1, as the
 * model's default mask.
 */
export function textureLockRows(regions: readonly Float32Array[], plane: number, batch: number, conditional: number): Float32Array {
  const lock = new Float32Array(batch * plane).fill(1);
  const row = lock.subarray(conditional * plane, (conditional + 1) * plane);
  row.fill(0);
  for (const r of regions) for (let i = 0; i < plane; i++) if (r[i]! > 0) row[i] = 1;
  return lock;
}

export interface DressRows {
  batch: number;
  /** row indices of the negative and conditional rows */
  negative: number;
  conditional: number;
  call: Omit<UnetCall, 'width' | 'height' | 'timestep'>;
}

/**
 * One generation call's rows: [reference?, negative, conditional, garment 1..N]. The generated
 * rows attend to garment r's tokens with its region's weights; the reference and garment rows
 * attend to no garment, so they run as they would alone. The reference row's prompt is empty
 * (the inversion's), as are the garments'. Without garments and reference the call is plain
 * txt2img's: batch 2 [negative, conditional], identity TAC, no reference inputs. With a
 * reference and garments the conditional row's texture lock is the union of the garments' regions.
 */
export function dressRows(a: DressRowsInput): DressRows {
  const lead = a.reference ? 1 : 0;
  const negative = lead;
  const conditional = lead + 1;
  const batch = lead + 2 + a.garments.length;
  const latents = concatRows([...(a.reference ? [a.reference] : []), a.x, a.x, ...a.garments]);
  const text = concatRows([...(a.reference ? [a.texts.empty] : []), a.texts.negative, a.texts.prompt, ...a.garments.map(() => a.texts.empty)]);
  const identity = Array.from({ length: batch }, (_, i) => i);
  // the generated rows take the reference row's Q/K (the conditional one, as R2R; the negative keeps its own)
  const tacQkSource = a.reference ? identity.map((i) => (i === conditional ? 0 : i)) : a.supportsTac ? identity : undefined;
  const R = a.garments.length;
  // dressed from a render, the render's textures hold only where a garment is worn
  const textureLock = a.reference && R > 0 && a.supportsTextureLock ? textureLockRows(a.regions, a.plane, batch, conditional) : undefined;
  const call: DressRows['call'] = { batch, latents, text, tacQkSource, ...(textureLock ? { textureLock } : {}) };
  if (R > 0) {
    call.refRows = a.garments.map((_, r) => lead + 2 + r);
    const region = new Float32Array(batch * R * a.plane);
    for (const row of [negative, conditional]) for (let r = 0; r < R; r++) region.set(a.regions[r]!, (row * R + r) * a.plane);
    call.refRegion = region;
  }
  return { batch, negative, conditional, call };
}
