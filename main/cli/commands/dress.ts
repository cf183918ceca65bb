import { basename, extname } from 'node:path';
import { UserError } from '../../common/errors';
import { DEFAULT_R2R_PARAMS } from '../../inference/pipelines/r2r';
import { GARMENT_ROLES, makeDressShot, type DressGarment, type GarmentRole } from '../../shots/dress-shot';
import { checkRole, parseLayout } from '../../shots/outfit-layout';
import type { CliCommand, CliContext } from '../command';
import { needString, optInteger, optNumber, optString, printResult } from '../command';
import { createProgress } from '../progress';

function many(ctx: CliContext, name: string): string[] {
  const v = ctx.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string');
}

/** one --role per --garment, or none (each then needs its role in its file name: top.png, shoes-red.png) */
function rolesFor(garments: string[], roles: string[]): GarmentRole[] {
  if (roles.length > 0 && roles.length !== garments.length) {
    throw new UserError('bad-option', `${roles.length} --role for ${garments.length} --garment`, 'Give one --role per --garment, in the same order.');
  }
  return garments.map((g, i) => {
    if (roles[i] !== undefined) return checkRole(roles[i]!, `--role ${i + 1}`);
    const word = basename(g, extname(g)).toLowerCase().split(/[^a-z]+/).find((w) => (GARMENT_ROLES as readonly string[]).includes(w));
    if (!word) throw new UserError('bad-option', `garment ${g}: no --role given and none in its file name`, `Add --role ${GARMENT_ROLES.join('|')} for each --garment.`);
    return word as GarmentRole;
  });
}

export const dressCommand: CliCommand = {
  name: 'dress',
  summary: 'dress a combo of garments in one shot: each garment attends in its own region (reference attention), from a prompt or an outfit render',
  usage:
    '--model <dir> --garment <png> [--garment <png> ...] [--role top|bottom|outer|dress|shoes ...] [--layout auto|<json>] --prompt <text> --out <png> ' +
    '[--render <png>] [--width W --height H] [--steps N] [--strength S] [--seed N] [--fidelity F] [--negative <text>] [--provider P] [--cache-dir <dir>] [--json]',
  options: {
    model: { type: 'string', help: 'Stable Diffusion ONNX folder (optimum layout, e.g. from `r2r demo-model`); required' },
    garment: { type: 'string', multiple: true, help: 'garment image (PNG); repeat once per garment; required' },
    role: { type: 'string', multiple: true, help: `role of each --garment in order: ${GARMENT_ROLES.join(', ')} (default: the role word in its file name)` },
    layout: { type: 'string', help: 'auto (default: by role on a standing figure) or JSON: a list with one box {"x","y","w","h"} (fractions of the canvas) or null per garment, or {"<garment name>": box}' },
    prompt: { type: 'string', help: 'the person, pose and background; required without --render' },
    negative: { type: 'string', help: 'negative prompt text (default empty)' },
    out: { type: 'string', help: 'PNG file to write; required' },
    render: { type: 'string', help: 'outfit render to translate with R2R (TAC locks its textures) instead of text-to-image' },
    width: { type: 'string', help: 'model canvas width, multiple of the model\'s size step (default 768; with --render from its aspect)' },
    height: { type: 'string', help: 'model canvas height (default 1024)' },
    steps: { type: 'string', help: 'DDIM steps, whole number 1-1000 (default 50)' },
    strength: { type: 'string', help: 'with --render: fraction of the steps inverted and regenerated, 0.001-1 (default 0.6)' },
    seed: { type: 'string', help: 'noise seed of text-to-image, 0-4294967295 (default 1)' },
    fidelity: { type: 'string', multiple: true, help: 'how strongly each garment acts in its region, 0-1, one per --garment or one for all (default 1)' },
    provider: { type: 'string', help: 'execution provider: auto (default), tensorrt, cuda, dml, coreml, webgpu or cpu' },
    'cache-dir': { type: 'string', help: 'cache of adapted models (default $R2R_CACHE_DIR or ~/.cache/r2r-studio)' },
    json: { type: 'boolean', help: 'print the report (regions, sample-evaluations, the cost of separate shots) as JSON' },
  },
  async run(ctx) {
    const modelDir = needString(ctx, 'model');
    const out = needString(ctx, 'out');
    const images = many(ctx, 'garment');
    if (images.length === 0) throw new UserError('missing-option', '--garment is required', 'Add --garment <png> once per garment.');
    const roles = rolesFor(images, many(ctx, 'role'));
    const fidelityText = many(ctx, 'fidelity');
    if (fidelityText.length > 1 && fidelityText.length !== images.length) throw new UserError('bad-option', `${fidelityText.length} --fidelity for ${images.length} --garment`, 'Give one --fidelity for all garments or one per --garment.');
    const fidelity = fidelityText.map((f) => {
      const n = Number(f);
      if (!Number.isFinite(n) || n < 0 || n > 1) throw new UserError('bad-option', `--fidelity must be a number between 0 and 1, got '${f}'`);
      return n;
    });
    const names = images.map((g) => basename(g, extname(g)));
    const boxes = parseLayout(optString(ctx, 'layout') ?? 'auto', names);
    const garments: DressGarment[] = images.map((image, i) => ({
      image,
      role: roles[i]!,
      name: names[i],
      ...(boxes[i] ? { region: boxes[i] } : {}),
      ...(fidelity.length > 0 ? { fidelity: fidelity[fidelity.length === 1 ? 0 : i] } : {}),
    }));
    const render = optString(ctx, 'render');
    const prompt = optString(ctx, 'prompt') ?? '';
    if (!render && prompt.trim() === '') throw new UserError('missing-option', '--prompt is required without --render', 'Describe the person, pose and background, e.g. --prompt "photo of a woman standing, studio".');
    const side = (name: string) => (optString(ctx, name) === undefined ? undefined : optInteger(ctx, name, 0, 1, 16384));
    const json = Boolean(ctx.values.json);
    const progress = createProgress(ctx, 'dress', { json });
    const res = await makeDressShot(
      {
        modelDir,
        garments,
        prompt,
        negative: optString(ctx, 'negative'),
        render,
        output: out,
        width: side('width'),
        height: side('height'),
        steps: optInteger(ctx, 'steps', DEFAULT_R2R_PARAMS.steps, 1, 1000),
        ...(optString(ctx, 'strength') !== undefined ? { strength: optNumber(ctx, 'strength', 0.6, 0.001, 1) } : {}),
        seed: optInteger(ctx, 'seed', DEFAULT_R2R_PARAMS.seed, 0, 2 ** 32 - 1),
        provider: optString(ctx, 'provider'),
        cacheDir: optString(ctx, 'cache-dir'),
      },
      {
        signal: ctx.signal,
        onProgress: (label) => progress.update(0, 1, label),
        onStep: (e) => progress.update(e.stage === 'inversion' ? e.step : e.total + e.step, 2 * e.total, `${e.stage} t=${e.timestep}`),
      },
    );
    const r = res.report;
    progress.done(`${r.sampleEvaluations} UNet sample-evaluations`);
    printResult(ctx, { output: res.output, ...r, ms: Math.round(r.ms) }, () =>
      [
        `wrote ${res.output} (${r.mode}, ${r.width}x${r.height}, seed ${r.seed}) on ${r.provider}`,
        ...r.regions.map((g) => `${g.name} (${g.role}): x ${g.box.x} y ${g.box.y} w ${g.box.w} h ${g.box.h}${g.mask ? `, mask ${g.mask}` : ''}`),
        `UNet: ${r.unetCalls} calls, up to ${r.rowsPerCall} rows each = ${r.sampleEvaluations} sample-evaluations (${r.regions.length} separate shots: ${r.separateShotsSampleEvaluations}); ${Math.round(r.ms)} ms`,
      ].join('\n'),
    );
    return 0;
  },
};
