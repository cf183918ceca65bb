import { UserError } from '../common/errors';

export type GarmentRole = 'top' | 'bottom' | 'outer' | 'dress' | 'shoes';
export const GARMENT_ROLES: readonly GarmentRole[] = ['top', 'bottom', 'outer', 'dress', 'shoes'];

/** a box on the canvas as fractions of its width and height */
export interface CanvasBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where each role is worn on a standing full-body figure centred on the canvas (fractions of
 * the canvas): outerwear and tops over the torso (outerwear wider, over the arms), bottoms over
 * hips and legs, a dress from the torso to the knee, shoes at the feet.
 */
export const BODY_LAYOUT: Readonly<Record<GarmentRole, CanvasBox>> = {
  outer: { x: 0.2, y: 0.16, w: 0.6, h: 0.4 },
  top: { x: 0.28, y: 0.18, w: 0.44, h: 0.3 },
  bottom: { x: 0.3, y: 0.46, w: 0.4, h: 0.42 },
  dress: { x: 0.26, y: 0.18, w: 0.48, h: 0.55 },
  shoes: { x: 0.3, y: 0.88, w: 0.4, h: 0.12 },
};

/** with an outer garment, a top shows only down the open front */
const TOP_UNDER_OUTER: CanvasBox = { x: 0.4, y: 0.18, w: 0.2, h: 0.3 };

export interface LayoutGarment {
  role: GarmentRole;
  region?: CanvasBox;
  name?: string;
}

export interface PlacedGarment {
  name: string;
  role: GarmentRole;
  box: CanvasBox;
}

export function checkRole(role: string, what: string): GarmentRole {
  if (!(GARMENT_ROLES as readonly string[]).includes(role)) throw new UserError('bad-option', `${what}: role must be one of ${GARMENT_ROLES.join(', ')}, got "${role}"`);
  return role as GarmentRole;
}

/** a box of fractions inside the canvas with a positive area */
export function checkBox(value: unknown, what: string): CanvasBox {
  const hint = 'A box is {"x":0.3,"y":0.2,"w":0.4,"h":0.3}: fractions of the canvas, x + w and y + h at most 1.';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError('bad-layout', `${what} must be a box object, got ${JSON.stringify(value)}`, hint);
  const o = value as Record<string, unknown>;
  const box = {} as CanvasBox;
  for (const k of ['x', 'y', 'w', 'h'] as const) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw new UserError('bad-layout', `${what}.${k} must be a number from 0 to 1, got ${JSON.stringify(v)}`, hint);
    box[k] = v;
  }
  const extra = Object.keys(o).filter((k) => !['x', 'y', 'w', 'h'].includes(k));
  if (extra.length > 0) throw new UserError('bad-layout', `${what} has unknown field(s) ${extra.join(', ')}`, hint);
  if (box.w <= 0 || box.h <= 0) throw new UserError('bad-layout', `${what} has no area (w ${box.w}, h ${box.h})`, hint);
  const eps = 1e-9;
  if (box.x + box.w > 1 + eps || box.y + box.h > 1 + eps) throw new UserError('bad-layout', `${what} reaches past the canvas (x + w = ${box.x + box.w}, y + h = ${box.y + box.h})`, hint);
  return box;
}

/** the garment's name in reports: its own, else its role (numbered when the role repeats) */
function names(garments: readonly LayoutGarment[]): string[] {
  return garments.map((g) => {
    if (g.name) return g.name;
    const same = garments.filter((o) => !o.name && o.role === g.role);
    return same.length > 1 ? `${g.role}-${same.indexOf(g) + 1}` : g.role;
  }).map((n, i, all) => (all.indexOf(n) !== i ? `${n}-${i + 1}` : n));
}

/**
 * Every garment's box: its own region when given, else the body layout's box for its role.
 * Two garments of one role need regions of their own (the layout has one place per role);
 * a dress worn with a top or bottom overlaps them, which the region raster resolves.
 */
export function layoutGarments(garments: readonly LayoutGarment[]): PlacedGarment[] {
  if (garments.length === 0) throw new UserError('bad-option', 'an outfit needs at least one garment');
  const named = names(garments);
  const hasOuter = garments.some((g) => g.role === 'outer');
  return garments.map((g, i) => {
    const what = `garment ${i + 1} (${named[i]})`;
    checkRole(g.role, what);
    if (g.region) return { name: named[i]!, role: g.role, box: checkBox(g.region, `${what} region`) };
    const twin = garments.findIndex((o, j) => j !== i && !o.region && o.role === g.role);
    if (twin >= 0) {
      throw new UserError('bad-layout', `${what} and garment ${twin + 1} are both ${g.role}s; the automatic layout has one place per role`, 'Give their regions in --layout (a JSON list of boxes, one per garment).');
    }
    const box = g.role === 'top' && hasOuter ? TOP_UNDER_OUTER : BODY_LAYOUT[g.role];
    return { name: named[i]!, role: g.role, box: { ...box } };
  });
}

/**
 * `--layout`: `auto`, or JSON: a list with one entry per garment (a box, or null / "auto" for
 * the role's place), or an object from garment name to box (the others placed by role).
 */
export function parseLayout(text: string, garmentNames: readonly string[]): (CanvasBox | undefined)[] {
  if (text.trim() === 'auto') return garmentNames.map(() => undefined);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError('bad-layout', `the layout is neither "auto" nor JSON (${(err as Error).message})`, 'Example: --layout \'[{"x":0.28,"y":0.18,"w":0.44,"h":0.3},"auto"]\'');
  }
  const entry = (v: unknown, what: string) => (v === null || v === 'auto' ? undefined : checkBox(v, what));
  if (Array.isArray(value)) {
    if (value.length !== garmentNames.length) throw new UserError('bad-layout', `the layout lists ${value.length} region(s) for ${garmentNames.length} garment(s)`, 'Give one entry per --garment, in order (null or "auto" for the automatic place).');
    return value.map((v, i) => entry(v, `layout entry ${i + 1}`));
  }
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !garmentNames.includes(k));
    if (unknown.length > 0) throw new UserError('bad-layout', `the layout names no garment called ${unknown.map((k) => `"${k}"`).join(', ')}`, `Garments: ${garmentNames.join(', ')}.`);
    return garmentNames.map((n) => (n in o ? entry(o[n], `layout "${n}"`) : undefined));
  }
  throw new UserError('bad-layout', `the layout must be "auto", a JSON list or a JSON object, got ${JSON.stringify(value)}`);
}

/**
 * Rasterises regions at a grid (the latent): coverage per garment, 1 where a box covers a cell's
 * centre (or a mask's value). Where regions overlap the one of smaller area wins, so every cell
 * belongs to at most one garment: a sleeve under a coat's box is the coat's, a top's box inside a
 * dress's box is the top's. Returns one plane [h * w] per garment.
 */
export function regionPlanes(regions: readonly ({ box: CanvasBox } | { mask: Float32Array })[], width: number, height: number): Float32Array[] {
  const planes = regions.map((r) => {
    if ('mask' in r) {
      if (r.mask.length !== width * height) throw new Error(`region mask has ${r.mask.length} cells, expected ${width * height}`);
      return Float32Array.from(r.mask);
    }
    const p = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      const cy = (y + 0.5) / height;
      if (cy < r.box.y || cy >= r.box.y + r.box.h) continue;
      for (let x = 0; x < width; x++) {
        const cx = (x + 0.5) / width;
        if (cx >= r.box.x && cx < r.box.x + r.box.w) p[y * width + x] = 1;
      }
    }
    return p;
  });
  const area = planes.map((p) => p.reduce((a, v) => a + (v > 0 ? 1 : 0), 0));
  for (let i = 0; i < width * height; i++) {
    let winner = -1;
    for (let g = 0; g < planes.length; g++) if (planes[g]![i]! > 0 && (winner < 0 || area[g]! < area[winner]!)) winner = g;
    for (let g = 0; g < planes.length; g++) if (g !== winner) planes[g]![i] = 0;
  }
  return planes;
}
