import { assetRelativePath } from '../assets';
import type { Asset, Generation, Mask, Render } from '../types';
import type { GenerationStatus, MaskPurpose, RenderKind } from '../vocabulary';

// row shapes as selected by the queries in this folder, and their mapping to records

export const RENDER_COLUMNS = `r.id, r.colorway_id, c.name AS colorway, c.garment_id, v.slug AS view, r.kind, r.renderer,
  r.width, r.height, a.hash, a.ext, r.source_path, r.created_at`;
export const RENDER_FROM = `renders r JOIN colorways c ON c.id = r.colorway_id JOIN views v ON v.id = r.view_id
  JOIN assets a ON a.id = r.asset_id`;
export const RENDER_ORDER = `c.garment_id, c.name, v.sort_order, v.slug, r.kind, r.id`;

export interface RenderRow {
  id: number;
  colorway_id: number;
  colorway: string;
  garment_id: number;
  view: string;
  kind: RenderKind;
  renderer: string;
  width: number;
  height: number;
  hash: string;
  ext: string;
  source_path: string | null;
  created_at: string;
}

export function toRender(r: RenderRow): Render {
  return {
    id: r.id,
    colorwayId: r.colorway_id,
    colorway: r.colorway,
    view: r.view,
    kind: r.kind,
    renderer: r.renderer,
    width: r.width,
    height: r.height,
    asset: r.hash,
    path: assetRelativePath(r.hash, r.ext),
    sourcePath: r.source_path,
    createdAt: r.created_at,
  };
}

export interface AssetRow {
  hash: string;
  ext: string;
  bytes: number;
  width: number | null;
  height: number | null;
}

export function toAsset(a: AssetRow): Asset {
  return { hash: a.hash, ext: a.ext, bytes: a.bytes, width: a.width, height: a.height, path: assetRelativePath(a.hash, a.ext) };
}

export const MASK_SELECT = `SELECT m.id, m.render_id, m.purpose, a.hash, a.ext, m.created_at, m.updated_at
  FROM masks m JOIN assets a ON a.id = m.asset_id`;

export interface MaskRow {
  id: number;
  render_id: number;
  purpose: MaskPurpose;
  hash: string;
  ext: string;
  created_at: string;
  updated_at: string;
}

export function toMask(m: MaskRow): Mask {
  return {
    id: m.id,
    renderId: m.render_id,
    purpose: m.purpose,
    asset: m.hash,
    path: assetRelativePath(m.hash, m.ext),
    createdAt: m.created_at,
    updatedAt: m.updated_at,
  };
}

export const GENERATION_SELECT = `SELECT x.*, a.hash, a.ext FROM generations x LEFT JOIN assets a ON a.id = x.output_asset_id`;

export interface GenerationRow {
  id: number;
  render_id: number | null;
  combo_id: number | null;
  model: string;
  params: string;
  seed: number;
  status: GenerationStatus;
  error: string | null;
  metrics: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  hash: string | null;
  ext: string | null;
}

export function toGeneration(x: GenerationRow): Generation {
  return {
    id: x.id,
    renderId: x.render_id,
    comboId: x.combo_id,
    model: x.model,
    params: JSON.parse(x.params) as Record<string, unknown>,
    seed: x.seed,
    status: x.status,
    error: x.error,
    output: x.hash,
    outputPath: x.hash && x.ext ? assetRelativePath(x.hash, x.ext) : null,
    metrics: x.metrics === null ? null : (JSON.parse(x.metrics) as Record<string, unknown>),
    createdAt: x.created_at,
    startedAt: x.started_at,
    finishedAt: x.finished_at,
    updatedAt: x.updated_at,
  };
}
