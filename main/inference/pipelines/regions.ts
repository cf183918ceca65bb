import { UserError } from '../../common/errors';
import type { Mask } from '../image/mask';
import { blurMask } from '../image/mask';
import { stepCounts } from '../../../preload/api/step-counts';
import type { RegionCostRecord, RegionPreset, RegionRole } from '../../../preload/api/region-types';
import { REGION_ROLES } from '../../../preload/api/region-types';
import type { Rgb } from '../image/fit';
import type { SourceImage } from '../image/source-image';
import { sampleScale } from '../image/source-image';

/**
 * Region passes: parts of one shot with their own strength, TAC ratio, prompts and guidance.
 * Regions are layered in order, a later one over an earlier one; the pixels no region covers
 * ("the rest") take the shot's own settings.
 */
export interface RegionSettings {
  /** fraction of the schedule this region regenerates; 0 keeps it exactly as the input */
  strength: number;
  tacRatio: number;
  prompt: string;
  /** the unconditional prompt (a negative embedding's token, or plain text) */
  negative: string;
  guidance: number;
}

export interface RegionSpec extends Partial<RegionSettings> {
  /** for the run report and errors; default `region <n>` */
  name?: string;
  /** white (1) = the region, at the source's size */
  mask: Mask;
  /** the region's pixels are filled with this colour before the shot (with strength 0 it stays as filled) */
  fill?: Rgb;
}

/** a resolved layer of the shot: the rest (index 0) or a region */
export interface RegionLayer extends RegionSettings {
  name: string;
  /** K = int(steps x strength) generation steps (0: kept) */
  k: number;
  tacSteps: number;
  /** the global generation step (of the deepest layer's K) where this layer starts being generated */
  start: number;
}

/** what the run report says about one layer */
export type RegionCost = RegionCostRecord;

export const REGION_FIELDS = ['name', 'mask', 'label', 'fill', 'strength', 'tac', 'tacRatio', 'prompt', 'negative', 'guidance'] as const;

function badRegion(index: number, name: string | undefined, field: string, why: string): UserError {
  const label = `region ${index + 1}${name ? ` (${name})` : ''}`;
  return new UserError('bad-regions', `${label}: ${field} ${why}`, 'Fix that entry of the regions list; unset fields take the shot\'s own settings.');
}

/** refuses settings a region cannot run with, naming the entry and the field */
export function checkRegionSpec(spec: Partial<RegionSettings> & { name?: string }, index: number): void {
  const bad = (field: string, why: string) => badRegion(index, spec.name, field, why);
  if (spec.strength !== undefined && !(typeof spec.strength === 'number' && spec.strength >= 0 && spec.strength <= 1)) throw bad('strength', `must be a number in [0, 1], got ${String(spec.strength)}`);
  if (spec.tacRatio !== undefined && !(typeof spec.tacRatio === 'number' && spec.tacRatio >= 0 && spec.tacRatio <= 1)) throw bad('tac', `must be a number in [0, 1], got ${String(spec.tacRatio)}`);
  if (spec.guidance !== undefined && !(typeof spec.guidance === 'number' && Number.isFinite(spec.guidance) && spec.guidance >= 0)) throw bad('guidance', `must be a number >= 0, got ${String(spec.guidance)}`);
  if (spec.prompt !== undefined && typeof spec.prompt !== 'string') throw bad('prompt', 'must be text');
  if (spec.negative !== undefined && typeof spec.negative !== 'string') throw bad('negative', 'must be text');
}

/**
 * The layers of a shot, the rest first, with their step counts and start steps. A layer whose
 * weight is zero everywhere takes no part (its K does not lengthen the shot).
 */
export function resolveLayers(specs: RegionSpec[], shot: RegionSettings, steps: number, present: boolean[]): RegionLayer[] {
  const settings: (RegionSettings & { name: string })[] = [
    { name: 'rest', ...pick(shot) },
    ...specs.map((s, i) => {
      checkRegionSpec(s, i);
      return { name: s.name ?? `region ${i + 1}`, ...pick({ ...shot, ...definedOnly(s) }) };
    }),
  ];
  const counts = settings.map((s) => stepCounts(steps, s.strength, s.tacRatio));
  const kMax = Math.max(0, ...counts.map((c, i) => (present[i] ? c.k : 0)));
  return settings.map((s, i) => ({ ...s, k: counts[i]!.k, tacSteps: counts[i]!.tacSteps, start: kMax - counts[i]!.k }));
}

function pick(s: RegionSettings): RegionSettings {
  return { strength: s.strength, tacRatio: s.tacRatio, prompt: s.prompt, negative: s.negative, guidance: s.guidance };
}

function definedOnly(s: Partial<RegionSettings>): Partial<RegionSettings> {
  const out: Partial<RegionSettings> = {};
  for (const key of ['strength', 'tacRatio', 'prompt', 'negative', 'guidance'] as const) {
    if (s[key] !== undefined) (out as Record<string, unknown>)[key] = s[key];
  }
  return out;
}

/**
 * Per-pixel weights of the layers, the rest first, from the regions' masks (all the same size):
 * the last region lies on top, w_n = m_n, w_i = m_i (1 - m_{i+1}) ... (1 - m_n), and the rest
 * takes what is left, so the weights sum to 1 at every pixel.
 */
export function layerWeights(masks: Float32Array[], plane: number): Float32Array[] {
  const weights = masks.map(() => new Float32Array(plane));
  const rest = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    let left = 1;
    for (let r = masks.length - 1; r >= 0; r--) {
      const m = Math.min(1, Math.max(0, masks[r]![p]!));
      weights[r]![p] = m * left;
      left *= 1 - m;
    }
    rest[p] = left;
  }
  return [rest, ...weights];
}

/**
 * Softens the seams between generated layers: their weights are blurred and renormalised to
 * the share the kept layers leave, so kept pixels stay kept and the weights still sum to 1.
 * A single generated layer keeps its weights bit for bit.
 */
export function featherGeneratedSeams(weights: Float32Array[], generated: boolean[], width: number, height: number, radius: number): Float32Array[] {
  const gen = weights.map((_, i) => i).filter((i) => generated[i] && weights[i]!.some((v) => v > 0));
  if (gen.length < 2 || radius <= 0) return weights;
  const plane = width * height;
  const blurred = new Map(gen.map((i) => [i, blurMask({ width, height, data: weights[i]! }, radius).data]));
  const out = weights.map((w) => Float32Array.from(w));
  for (let p = 0; p < plane; p++) {
    let share = 0;
    let sum = 0;
    for (const i of gen) {
      share += weights[i]![p]!;
      sum += blurred.get(i)![p]!;
    }
    if (share <= 0 || sum <= 0) continue;
    for (const i of gen) out[i]![p] = (share * blurred.get(i)![p]!) / sum;
  }
  return out;
}

/** the weight of the given layers at every pixel */
export function sumWeights(weights: Float32Array[], which: number[], plane: number): Float32Array {
  const out = new Float32Array(plane);
  for (const i of which) {
    const w = weights[i]!;
    for (let p = 0; p < plane; p++) out[p] = out[p]! + w[p]!;
  }
  return out;
}

/**
 * The step's noise from the active layers' guided noise, each by its weight (normalised over
 * the active layers; where none is active the noise is unused and left 0). One layer's noise
 * is copied as it is.
 */
export function blendNoise(out: Float32Array, parts: { eps: Float32Array; weight: Float32Array }[], channels: number): void {
  if (parts.length === 1) {
    out.set(parts[0]!.eps);
    return;
  }
  const plane = out.length / channels;
  for (let p = 0; p < plane; p++) {
    let total = 0;
    for (const part of parts) total += part.weight[p]!;
    for (let c = 0; c < channels; c++) {
      const k = c * plane + p;
      let v = 0;
      if (total > 0) for (const part of parts) v += part.weight[p]! * part.eps[k]!;
      out[k] = total > 0 ? v / total : 0;
    }
  }
}

/**
 * Pins the layers that are not being generated to their trajectories:
 * x = a x + sum_f w_f target_f, with a the active layers' weight.
 */
export function holdLayers(x: Float32Array, active: Float32Array, held: { target: Float32Array; weight: Float32Array }[], channels: number): void {
  const plane = active.length;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) {
      const k = c * plane + p;
      let v = active[p]! * x[k]!;
      for (const h of held) v += h.weight[p]! * h.target[k]!;
      x[k] = v;
    }
  }
}

/** the composite's change mask at the source's size: the edit mask (or everything) less the kept layers */
export function changeMask(kept: Float32Array, width: number, height: number, editMask?: Mask): Mask {
  const data = new Float32Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = (editMask ? editMask.data[p]! : 1) * Math.max(0, 1 - kept[p]!);
  return { width, height, data };
}

/** a region as a request names it: the mask as a PNG file (white = the region) */
export interface RegionRequest extends Partial<RegionSettings> {
  name?: string;
  mask: string;
  /** the mask file is a label mask and the region is this role's colour in it */
  label?: RegionRole;
  /** '#rrggbb' */
  fill?: string;
}

/**
 * A preset's regions for a render whose roles come from one label mask: layered background,
 * garment, skin, face (the face on top), each role the preset sets.
 */
export function presetRegions(preset: Pick<RegionPreset, 'roles'>, labelMask: string): RegionRequest[] {
  return REGION_ROLES.flatMap((role) => {
    const s = preset.roles[role];
    return s ? [{ name: role, mask: labelMask, label: role, ...s }] : [];
  });
}

/** '#rrggbb' as 0-255 channels */
export function parseFill(hex: string): Rgb {
  const m = /^#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})$/.exec(hex);
  if (!m) throw new UserError('bad-regions', `fill must be a colour like #7f7f7f, got ${hex}`);
  return { r: parseInt(m[1]!, 16), g: parseInt(m[2]!, 16), b: parseInt(m[3]!, 16) };
}

/** the source with the fill regions painted in (blended by their masks, alpha kept); the source itself when none fills */
export function fillRegions(source: SourceImage, specs: RegionSpec[]): SourceImage {
  const fills = specs.filter((s) => s.fill);
  if (fills.length === 0) return source;
  const scale = sampleScale(source.depth);
  const data = source.data.slice();
  const ch = source.channels;
  for (const s of fills) {
    const c = [s.fill!.r, s.fill!.g, s.fill!.b];
    const grey = Math.round(0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!);
    for (let p = 0; p < source.width * source.height; p++) {
      const m = s.mask.data[p]!;
      if (m <= 0) continue;
      for (let k = 0; k < 3; k++) {
        const target = ((source.grey ? grey : c[k]!) / 255) * scale;
        data[p * ch + k] = Math.round(data[p * ch + k]! * (1 - m) + target * m);
      }
    }
  }
  return { ...source, data };
}
