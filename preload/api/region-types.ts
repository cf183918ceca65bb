/**
 * Region presets: one click maps the parts of a render (its roles, from the render's label
 * mask or painted masks) to region settings. Pure types and checks, shared by the catalog,
 * the engine's request path and the studio.
 */
export const REGION_ROLES = ['background', 'garment', 'skin', 'face'] as const;
export type RegionRole = (typeof REGION_ROLES)[number];

/**
 * The colours of a label mask (`<view>_<kind>.mask.png`): each pixel is the role of the
 * nearest of these colours; a pixel far from all of them (more than LABEL_TOLERANCE in RGB
 * distance, e.g. hair painted yellow) has no role and takes the shot's own settings.
 */
export const LABEL_COLOURS: Record<RegionRole, [number, number, number]> = {
  background: [0, 0, 0],
  garment: [255, 0, 0],
  skin: [0, 255, 0],
  face: [0, 0, 255],
};
export const LABEL_TOLERANCE = 96;

/** the role (index into REGION_ROLES) of a label mask pixel: its nearest label colour within LABEL_TOLERANCE, else -1 */
export function labelOfPixel(r: number, g: number, b: number): number {
  let best = -1;
  let bestD = LABEL_TOLERANCE * LABEL_TOLERANCE + 1;
  for (let k = 0; k < REGION_ROLES.length; k++) {
    const c = LABEL_COLOURS[REGION_ROLES[k]!];
    const d = (r - c[0]) ** 2 + (g - c[1]) ** 2 + (b - c[2]) ** 2;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** one role's settings; unset fields take the shot's own */
export interface RegionPresetRole {
  /** 0 keeps the role's pixels as the render has them */
  strength?: number;
  tacRatio?: number;
  prompt?: string;
  negative?: string;
  guidance?: number;
  /** '#rrggbb': the role's pixels are filled with this colour before the shot (with strength 0 the colour stays as it is) */
  fill?: string;
}

export interface RegionPreset {
  id: number;
  name: string;
  /** shipped with R2R Studio; cannot be changed or deleted */
  builtIn: boolean;
  roles: Partial<Record<RegionRole, RegionPresetRole>>;
}

/** the reason a preset's roles cannot be used, or undefined */
export function presetRolesProblem(roles: unknown): string | undefined {
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) return 'roles must be an object mapping a role to its settings';
  const entries = Object.entries(roles as Record<string, unknown>);
  if (entries.length === 0) return 'a preset sets at least one role';
  for (const [role, s] of entries) {
    if (!(REGION_ROLES as readonly string[]).includes(role)) return `unknown role '${role}' (roles: ${REGION_ROLES.join(', ')})`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return `${role}: settings must be an object`;
    const v = s as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      if (!['strength', 'tacRatio', 'prompt', 'negative', 'guidance', 'fill'].includes(key)) return `${role}: unknown setting '${key}'`;
    }
    const unit = (k: string) => v[k] === undefined || (typeof v[k] === 'number' && (v[k] as number) >= 0 && (v[k] as number) <= 1);
    if (!unit('strength')) return `${role}: strength must be a number in [0, 1]`;
    if (!unit('tacRatio')) return `${role}: tacRatio must be a number in [0, 1]`;
    if (v.guidance !== undefined && !(typeof v.guidance === 'number' && Number.isFinite(v.guidance) && v.guidance >= 0)) return `${role}: guidance must be a number >= 0`;
    for (const k of ['prompt', 'negative'] as const) if (v[k] !== undefined && typeof v[k] !== 'string') return `${role}: ${k} must be text`;
    if (v.fill !== undefined && !(typeof v.fill === 'string' && /^#[0-9a-fA-F]{6}$/.test(v.fill))) return `${role}: fill must be a colour like #7f7f7f`;
  }
  return undefined;
}

/** one role of a render as the Shot view's Regions panel shows it */
export interface RenderRoleRecord {
  role: RegionRole;
  /** pixels of the role: the label mask's pixels of its colour, or a painted garment mask's non-black pixels */
  pixels: number;
  /** the role's share of the render (pixels / all pixels; a soft painted mask's grey pixels count in part) */
  coverage: number;
  /** where its pixels come from; null when the render has none for it */
  source: 'label mask' | 'garment mask' | null;
}

/** what a region preset will do on one render: the roles its label mask has pixels for */
export interface RenderRegionsRecord {
  renderId: number;
  width: number;
  height: number;
  /** the label mask's asset hash, or null when the render has none */
  labels: string | null;
  /** without a label mask, a painted garment mask gives the garment role its pixels (its asset hash, else null) */
  garmentMask: string | null;
  /** every role, in REGION_ROLES order (pixels 0 when the render has none of it) */
  roles: RenderRoleRecord[];
  /** what to do for a role without pixels, naming this render's label mask file */
  missingHint: string;
}

/** one layer of a region shot as its generation recorded it (the rest first) */
export interface RegionCostRecord {
  name: string;
  strength: number;
  k: number;
  tacSteps: number;
  /** UNet rows its noise came from (rows shared by layers with the same prompts count for each) */
  sampleEvaluations: number;
  /** inversion steps of its own trajectory (0 when another layer with the same K ran them) */
  inversionSteps: number;
}

/** a generation's per-region report: the preset it ran with and each layer's costs */
export interface GenerationRegionsRecord {
  generationId: number;
  preset: string;
  roles: Partial<Record<RegionRole, RegionPresetRole>>;
  layers: RegionCostRecord[];
}
