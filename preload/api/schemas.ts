import { z } from 'zod';
import type { R2RApi } from './contract';

// ---- library, masks, combos (ui branch) ----
const id = z.number().int().positive();
const folder = z.string().min(1).max(4096);
const purpose = z.enum(['edit', 'texture-lock', 'garment']);
const modelKind = z.enum(['model', 'embedding']);
const role = z.enum(['top', 'bottom', 'outer', 'dress', 'shoes', 'accessory']);
const maskPixels = z.object({
  width: z.number().int().min(1).max(16384),
  height: z.number().int().min(1).max(16384),
  deflated: z.string().max(128 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
});
const outfitBox = z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), w: z.number().gt(0).max(1), h: z.number().gt(0).max(1) }).strict();
const comboInput = z.object({
  name: z.string().trim().min(1).max(200),
  notes: z.string().max(10_000).optional(),
  items: z.array(z.object({ garment: id, colorwayId: id.nullable().optional(), role, layer: z.number().int().min(0).max(1000).optional() })).max(64),
});
const catalogSchemas = {
  library: {
    current: z.tuple([]),
    open: z.tuple([folder]),
    create: z.tuple([folder]),
    recent: z.tuple([]),
    clearRecent: z.tuple([]),
    facets: z.tuple([]),
    search: z.tuple([
      z.object({
        category: z.string().max(200).optional(),
        colorway: z.string().max(200).optional(),
        text: z.string().max(500).optional(),
        kind: z.enum(['raster', 'raytrace', 'photo']).optional(),
        hasGeneration: z.boolean().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        offset: z.number().int().min(0).optional(),
      }),
    ]),
    garment: z.tuple([id]),
    attachModel: z.tuple([id, z.string().min(1).max(360 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'), z.string().trim().min(1).max(500)]),
    model: z.tuple([id]),
    modelData: z.tuple([id]),
    material: z.tuple([id]),
    materialData: z.tuple([id]),
    addRenders: z.tuple([
      id,
      z
        .array(z.object({ view: z.enum(['front', 'back', 'side', 'detail']), kind: z.enum(['raster', 'raytrace']), png: z.string().min(1).max(96 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64') }).strict())
        .min(1)
        .max(16),
    ]),
  },
  masks: {
    get: z.tuple([id, purpose]),
    save: z.tuple([id, purpose, maskPixels]),
    remove: z.tuple([id, purpose]),
  },
  combos: {
    list: z.tuple([]),
    get: z.tuple([id]),
    create: z.tuple([comboInput]),
    update: z.tuple([id, comboInput]),
    remove: z.tuple([id]),
    layout: z.tuple([id, z.string().min(1).max(200).optional()]),
    saveLayout: z.tuple([id, z.array(z.object({ garmentId: id, box: outfitBox }).strict()).max(64)]),
    renders: z.tuple([id]),
    attachRender: z.tuple([id, z.string().trim().min(1).max(200), z.enum(['raster', 'raytrace', 'photo']), z.string().min(1).max(96 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')]),
    dressed: z.tuple([id]),
  },
  generations: {
    choose: z.tuple([id]),
    discard: z.tuple([id]),
  },
  models: {
    list: z.tuple([]),
    add: z.tuple([modelKind, folder]),
    remove: z.tuple([modelKind, folder]),
    choice: z.tuple([]),
    choose: z.tuple([modelKind, folder.nullable()]),
  },
  studio: {
    capabilities: z.tuple([]),
  },
};
// ---- end of catalog services ----

const assetHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be an asset hash (64 lower-case hex digits)');
const metricsSchemas = {
  metrics: {
    comparePair: z.tuple([z.object({ a: assetHash, b: assetHash, mask: z.object({ renderId: id, purpose }).optional() })]),
  },
};

const imagePixel = z.number().finite().min(-1e6).max(1e6);
const segmentSchemas = {
  segment: {
    model: z.tuple([]),
    setModel: z.tuple([folder.nullable()]),
    prepare: z.tuple([id]),
    mask: z.tuple([
      id,
      z
        .object({
          points: z.array(z.object({ x: imagePixel, y: imagePixel, positive: z.boolean() }).strict()).max(64),
          box: z.object({ x0: imagePixel, y0: imagePixel, x1: imagePixel, y1: imagePixel }).strict().optional(),
        })
        .strict(),
    ]),
  },
};

const regionRole = z
  .object({
    strength: z.number().min(0).max(1).optional(),
    tacRatio: z.number().min(0).max(1).optional(),
    prompt: z.string().max(2000).optional(),
    negative: z.string().max(2000).optional(),
    guidance: z.number().min(0).max(100).optional(),
    fill: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #7f7f7f').optional(),
  })
  .strict();
const regionsSchemas = {
  regions: {
    list: z.tuple([]),
    save: z.tuple([z.string().trim().min(1).max(200), z.object({ background: regionRole.optional(), garment: regionRole.optional(), skin: regionRole.optional(), face: regionRole.optional() }).strict()]),
    remove: z.tuple([id]),
    forRender: z.tuple([id]),
    report: z.tuple([id]),
  },
};

type ArgsSchemas = {
  [S in keyof R2RApi]: { [M in keyof R2RApi[S]]: R2RApi[S][M] extends (...args: infer A) => unknown ? z.ZodType<A> : never };
};

/**
 * Argument schemas for every method, checked in the backend before any work. They are also
 * the runtime list of methods the transports expose.
 */
export const apiSchemas = {
  app: {
    info: z.tuple([]),
  },
  jobs: {
    submit: z.tuple([z.string().min(1).max(64), z.unknown()]),
    list: z.tuple([]),
    get: z.tuple([z.string().min(1).max(64)]),
    cancel: z.tuple([z.string().min(1).max(64)]),
    queue: z.tuple([]),
    cancelAll: z.tuple([]),
    clearFinished: z.tuple([]),
    retryFailed: z.tuple([]),
    pause: z.tuple([]),
    resume: z.tuple([]),
    reorder: z.tuple([z.array(z.string().min(1).max(64)).max(10_000)]),
  },
  ...catalogSchemas,
  ...metricsSchemas,
  ...segmentSchemas,
  ...regionsSchemas,
  exports: {
    presets: z.tuple([]),
  },
  remote: {
    settings: z.tuple([]),
    connect: z.tuple([z.string().min(1).max(4096)]),
    forget: z.tuple([]),
    workers: z.tuple([]),
  },
  estimates: {
    cost: z.tuple([
      z
        .object({
          renderId: z.number().int().positive().optional(),
          model: z.string().min(1).max(4096),
          steps: z.number().int().min(1).max(1000),
          strength: z.number().gt(0).max(1),
          tacRatio: z.number().min(0).max(1),
          maxSide: z.number().int().min(16).max(4096).optional(),
          provider: z.string().max(64).optional(),
          grid: z.array(z.object({ tacRatio: z.number().min(0).max(1), strength: z.number().gt(0).max(1) }).strict()).min(1).max(64).optional(),
          shots: z.number().int().min(1).max(100_000).optional(),
          sides: z.array(z.number().int().min(16).max(4096)).max(16).optional(),
        })
        .strict(),
    ]),
  },
} satisfies ArgsSchemas;
