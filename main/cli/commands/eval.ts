import { writeFileAtomic } from '../../common/atomic-write';
import path from 'node:path';
import { UserError } from '../../common/errors';
import { openLibrary } from '../../catalog/library';
import type { Library } from '../../catalog/library';
import { getGarment, searchGarments } from '../../catalog/queries/garments';
import { MASK_PURPOSES } from '../../catalog/vocabulary';
import type { MaskPurpose } from '../../catalog/vocabulary';
import { renderEvalHtml } from '../../metrics/eval-html';
import type { KidEntry, SourceKind } from '../../metrics/eval-report';
import { buildEvalReport, METRICS, SOURCE_LABEL } from '../../metrics/eval-report';
import type { EvalItem } from '../../metrics/evaluate';
import { evaluateOutputs, kidOfSets } from '../../metrics/evaluate';
import type { InceptionNormalization } from '../../metrics/inception';
import { InceptionNetwork } from '../../metrics/inception';
import { LpipsNetwork } from '../../metrics/lpips';
import type { CliCommand } from '../command';
import { needString, optString, printResult } from '../command';
import { createProgress } from '../progress';

interface LibraryOutputs {
  items: EvalItem[];
  photos: string[];
  renders: Record<SourceKind, string[]>;
  outputs: Record<SourceKind, string[]>;
}

/** every finished generation made from a rasterised or ray-traced render, with its files */
function collectOutputs(lib: Library, maskPurpose: MaskPurpose): LibraryOutputs {
  const found: LibraryOutputs = { items: [], photos: [], renders: { raster: [], raytrace: [] }, outputs: { raster: [], raytrace: [] } };
  const file = (rel: string) => path.join(lib.root, rel);
  for (let offset = 0; ; offset += 1000) {
    const page = searchGarments(lib, { limit: 1000, offset, orderBy: 'sku' });
    for (const summary of page.garments) {
      const g = getGarment(lib, summary.id);
      for (const r of g.renders) {
        if (r.kind === 'photo') found.photos.push(file(r.path));
        else found.renders[r.kind].push(file(r.path));
      }
      for (const gen of g.generations) {
        // combos have no single source render to compare with
        if (gen.status !== 'done' || gen.renderId === null || !gen.outputPath) continue;
        const render = g.renders.find((r) => r.id === gen.renderId);
        if (!render || render.kind === 'photo') continue;
        const mask = g.masks.find((m) => m.renderId === render.id && m.purpose === maskPurpose);
        found.outputs[render.kind].push(file(gen.outputPath));
        found.items.push({
          shot: `${g.sku} ${render.colorway} ${render.view}`,
          garment: g.sku,
          category: g.category,
          view: render.view,
          source: render.kind,
          generation: gen.id,
          params: gen.params,
          files: { source: file(render.path), output: file(gen.outputPath), ...(mask ? { mask: file(mask.path) } : {}) },
        });
      }
    }
    if (offset + page.garments.length >= page.total || page.garments.length === 0) break;
  }
  return found;
}

const NORMALIZATIONS = ['uint8', 'unit', 'symmetric'] as const;

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'quality report of a library: each realistic output against its rasterised or ray-traced render, across TAC-ratio / strength sweeps',
  usage:
    '--library <lib> [--html <file>] [--mask garment|edit|texture-lock] [--gabor] [--lpips <onnx>] [--inception <onnx> --inception-input uint8|unit|symmetric] [--json]',
  options: {
    library: { type: 'string', help: 'library folder to measure (opened read-only)' },
    html: { type: 'string', help: 'also write the report as an HTML page with tables and charts to this file' },
    mask: { type: 'string', help: "the render's mask that bounds the masked metrics: garment (default), edit or texture-lock" },
    gabor: { type: 'boolean', help: 'add the Gabor filter-bank texture correlation (slower)' },
    lpips: { type: 'string', help: 'LPIPS (alex) network as ONNX: adds LPIPS to each pair' },
    inception: { type: 'string', help: 'Inception feature network as ONNX: adds KID against the library\'s photos (needs 2+)' },
    'inception-input': { type: 'string', help: 'input range that network expects: uint8 (0..255), unit (0..1) or symmetric (-1..1)' },
    json: { type: 'boolean', help: 'print the whole report (per output, per source kind, sweeps, KID) as JSON' },
  },
  async run(ctx) {
    const maskPurpose = (optString(ctx, 'mask') ?? 'garment') as MaskPurpose;
    if (!MASK_PURPOSES.includes(maskPurpose)) throw new UserError('bad-option', `--mask must be one of ${MASK_PURPOSES.join(', ')}, got '${maskPurpose}'`);
    const inceptionFile = optString(ctx, 'inception');
    const inceptionInput = optString(ctx, 'inception-input');
    if (inceptionFile && !NORMALIZATIONS.includes(inceptionInput as never)) {
      throw new UserError(
        'bad-option',
        inceptionInput === undefined ? '--inception needs --inception-input' : `--inception-input must be one of ${NORMALIZATIONS.join(', ')}, got '${inceptionInput}'`,
        'Say which input range the network expects: uint8 (0..255, torch-fidelity), unit (0..1, pytorch-fid) or symmetric (-1..1, TF/Keras).',
      );
    }
    const lpipsFile = optString(ctx, 'lpips');
    const lib = openLibrary(needString(ctx, 'library'), { readonly: true });
    let lpips: LpipsNetwork | undefined;
    try {
      if (lpipsFile) lpips = await LpipsNetwork.load(lpipsFile);
      const found = collectOutputs(lib, maskPurpose);
      const progress = createProgress(ctx, 'eval', { json: Boolean(ctx.values.json) });
      const { records, skipped } = await evaluateOutputs(found.items, {
        lpips,
        gabor: Boolean(ctx.values.gabor),
        signal: ctx.signal,
        onProgress: (done, total, label) => progress.update(done, total, label),
      });
      progress.done(`${records.length} outputs measured`);

      let kid: KidEntry[] = [];
      if (inceptionFile) {
        if (found.photos.length < 2) {
          throw new UserError('kid-needs-photos', `KID compares with real photos, and ${lib.root} holds ${found.photos.length}`, 'Import at least two photos (render kind photo), or leave out --inception.');
        }
        const net = await InceptionNetwork.load(inceptionFile, inceptionInput as InceptionNormalization);
        try {
          const sets = [
            { set: 'rasterised renders', files: found.renders.raster },
            { set: 'ray-traced renders', files: found.renders.raytrace },
            { set: 'realistic, from rasterised', files: found.outputs.raster },
            { set: 'realistic, from ray-traced', files: found.outputs.raytrace },
          ].filter((s) => s.files.length >= 2);
          kid = await kidOfSets(net, sets, { name: 'photos', files: found.photos }, { signal: ctx.signal });
        } finally {
          await net.release();
        }
      }

      const report = buildEvalReport({ library: lib.root, records, skipped, kid });
      const htmlFile = optString(ctx, 'html');
      if (htmlFile) writeFileAtomic(htmlFile, renderEvalHtml(report));
      printResult(ctx, report, () => {
        const label = (k: string) => METRICS.find((m) => m.key === k)?.label ?? k;
        const fmt = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(4) : '-');
        return [
          `${report.counts.outputs} outputs of ${report.counts.shots} shots in ${lib.root}${skipped.length ? ` (${skipped.length} could not be measured)` : ''}`,
          ...report.by_source
            .filter((s) => s.n > 0)
            .map((s) => `  ${SOURCE_LABEL[s.source]} -> realistic (${s.n}): ${report.metrics.map((k) => `${label(k)} ${fmt(s.mean[k])}`).join(', ')}`),
          ...kid.map((k) => `  KID ${k.set} vs ${k.against}: ${fmt(k.kid_mean)} ± ${fmt(k.kid_std)}`),
          ...(htmlFile ? [`Report written to ${htmlFile}`] : []),
        ].join('\n');
      });
      return 0;
    } finally {
      lib.close();
      await lpips?.release();
    }
  },
};
