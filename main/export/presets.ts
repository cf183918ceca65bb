import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../common/errors';
import { projectRoot } from '../common/version';
import { templateProblems } from './naming';

export const IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const FILE_EXTENSIONS: Record<ImageFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

const channel = z.number().int().min(0).max(255);
const side = z.number().int().min(16).max(16384);

export const presetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lower-case letters, digits, - or _, at most 41 characters'),
    title: z.string().min(1),
    description: z.string().optional(),
    canvas: z.strictObject({ width: side, height: side }),
    /** the smallest longest side a `--size` override may ask for */
    minLongestSide: side.optional(),
    background: z.strictObject({ r: channel, g: channel, b: channel }).default({ r: 255, g: 255, b: 255 }),
    /** the product's bounding box spans at least this share of the frame on its limiting axis */
    fill: z.number().gt(0).max(1),
    /** allowed output formats, the first is the default */
    formats: z.array(z.enum(IMAGE_FORMATS)).min(1),
    quality: z.number().int().min(1).max(100).default(90),
    naming: z.strictObject({
      template: z.string().min(1),
      slots: z
        .strictObject({ main: z.string().min(1), back: z.string().min(1), other: z.string().includes('{nn}') })
        .default({ main: 'MAIN', back: 'BACK', other: 'PT{nn}' }),
    }),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const problem of templateProblems(p.naming.template)) {
      ctx.addIssue({ code: 'custom', path: ['naming', 'template'], message: problem });
    }
    const longest = Math.max(p.canvas.width, p.canvas.height);
    if (p.minLongestSide !== undefined && longest < p.minLongestSide) {
      ctx.addIssue({ code: 'custom', path: ['canvas'], message: `longest side ${longest} px is under the minimum of ${p.minLongestSide} px` });
    }
  });

export type Preset = z.infer<typeof presetSchema>;

/** one line per problem, each naming the field: `canvas.width: Too small: expected number to be >=16` */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(preset)'}: ${i.message}`);
}

/** validates parsed JSON as a preset; `source` names it in errors */
export function parsePreset(json: unknown, source: string): Preset {
  const r = presetSchema.safeParse(json);
  if (!r.success) {
    throw new UserError(
      'bad-preset',
      `preset ${source} is invalid:\n  ${describeIssues(r.error).join('\n  ')}`,
      'Fix the fields named above; resources/presets/README.md describes each one.',
    );
  }
  return r.data;
}

export function presetsDir(): string {
  return join(projectRoot(), 'resources', 'presets');
}

export function builtinPresetNames(): string[] {
  return readdirSync(presetsDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadPresetFile(path: string): Preset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError('preset-unreadable', `cannot read preset file ${path}: ${(err as Error).message}`, 'Pass a built-in preset name or a readable .json file.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError('bad-preset', `preset ${path} is not valid JSON: ${(err as Error).message}`, 'Check the file with a JSON validator.');
  }
  return parsePreset(json, path);
}

/** a built-in preset by name (amazon, zalando, shopify) or a custom one from a .json path */
export function loadPreset(nameOrPath: string): Preset {
  if (builtinPresetNames().includes(nameOrPath)) return loadPresetFile(join(presetsDir(), nameOrPath + '.json'));
  if (nameOrPath.endsWith('.json')) return loadPresetFile(resolve(nameOrPath));
  throw new UserError(
    'unknown-preset',
    `unknown preset '${nameOrPath}'`,
    `Use one of ${builtinPresetNames().join(', ')} or a path to a preset .json file.`,
  );
}

/** the preset scaled so its longest side is `longest`, keeping the aspect ratio */
export function withLongestSide(p: Preset, longest: number): Preset {
  if (!Number.isInteger(longest) || longest < 16) throw new UserError('bad-option', `--size must be a whole number of pixels, got ${longest}`);
  if (p.minLongestSide !== undefined && longest < p.minLongestSide) {
    throw new UserError('bad-option', `--size ${longest} is under the ${p.title} minimum of ${p.minLongestSide} px`, `Use --size ${p.minLongestSide} or more.`);
  }
  const scale = longest / Math.max(p.canvas.width, p.canvas.height);
  const canvas =
    p.canvas.width >= p.canvas.height
      ? { width: longest, height: Math.round(p.canvas.height * scale) }
      : { width: Math.round(p.canvas.width * scale), height: longest };
  return parsePreset({ ...p, canvas }, `${p.name} at --size ${longest}`);
}

/** the output format: the requested one if the preset allows it, else the preset's default */
export function chooseFormat(p: Preset, requested?: string): ImageFormat {
  if (requested === undefined) return p.formats[0]!;
  const f = (requested === 'jpg' ? 'jpeg' : requested) as ImageFormat;
  if (!p.formats.includes(f)) {
    throw new UserError('bad-option', `preset ${p.name} does not allow format '${requested}'`, `Use one of: ${p.formats.join(', ')}.`);
  }
  return f;
}
