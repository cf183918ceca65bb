import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../main/common/version';

/** the fixtures written by tests/fixtures/metrics/make_reference.py (skimage/scipy/numpy) */
export const fixtureDir = path.join(projectRoot(), 'tests/fixtures/metrics');

export function fixture(name: string): string {
  return path.join(fixtureDir, name);
}

export interface SsimRef {
  a: string;
  b: string;
  mask?: string;
  ssim_rgb: number;
  ssim_luma: number;
  masked_ssim_rgb?: number;
  masked_ssim_luma?: number;
  mask_pixels?: number;
}

export interface TextureRef {
  a: string;
  b: string;
  mask: string;
  laplacian_correlation: number;
  energy_correlation: number;
  energy_ratio: number;
  mean_delta_e00: number;
  mean_colour_delta_e00: number;
  gabor_correlation: number;
  gabor_energy_ratio: number;
}

export interface Reference {
  images: Record<string, { width: number; height: number; channel_sums: number[] }>;
  ssim: SsimRef[];
  gaussian: { plane: number[]; width: number; height: number; sigma: number; truncate: number; filtered: number[] };
  texture: TextureRef[];
  lab: { rgb: number[]; lab: number[] }[];
  ciede2000_sharma: { pair: number; lab1: number[]; lab2: number[]; dE: number }[];
  kid: { dim: number; x: number[][]; y: number[][]; full: number; subsets: { x: number[]; y: number[] }[]; per_subset: number[]; mean: number; std: number };
  resize: { plane: number[]; width: number; height: number; out_width: number; out_height: number; resized: number[] };
}

export const reference: Reference = JSON.parse(readFileSync(fixture('reference.json'), 'utf8'));
