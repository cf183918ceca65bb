import { existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../../../common/atomic-write';
import { UserError } from '../../../common/errors';
import { assertWritableInside } from '../../../common/inside-root';
import { DataType, FileRange, type Model, type Node } from '../../onnx/model';
import { saveModel } from '../../onnx/write-model';
import type { ProviderName } from '../../runtime/providers';
import { copyModelFiles } from '../copy-model-files';
import { checkModelComponents } from '../model-checks';
import { COMPONENT_NAMES, type ComponentName } from '../model-folder';
import { fuseAttention, removeDeadNodes, type FuseReport } from './fuse-attention';
import { convertToFloat16, type Fp16Report } from './fp16';
import { fuseNorms, type NormFuseReport } from './fuse-norms';

export const OPTIMIZED_MARKER = 'r2r_optimized.json';

/**
 * Providers with a com.microsoft MultiHeadAttention kernel in onnxruntime 1.30. CoreML has
 * none (the nodes would run on the CPU, copying tensors back and forth each call), and
 * TensorRT takes only standard ONNX ops.
 */
export const MHA_PROVIDERS: readonly ProviderName[] = ['cpu', 'cuda', 'dml', 'webgpu'];

export interface OptimizeFolderOptions {
  /** the provider the copy is meant for; refused when it cannot run the fused op */
  provider?: ProviderName;
  /** store and compute in float16, keeping float32 where SD needs it (the text encoder's final LayerNorm, the VAE's GroupNorms) */
  fp16?: boolean;
  signal?: AbortSignal;
}

export interface OptimizeFolderReport {
  source: string;
  out: string;
  provider: ProviderName;
  fp16: boolean;
  components: Record<ComponentName, FuseReport & { norms: NormFuseReport; fp16?: Fp16Report }>;
}

/** the external data files a model's weights are read from */
function dataFiles(model: Model, modelPath: string): string[] {
  const files = new Set<string>();
  for (const t of model.graph.initializers) if (t.data instanceof FileRange && t.data.path !== resolve(modelPath)) files.add(t.data.path);
  return [...files];
}

function alreadyHalf(model: Model): boolean {
  return !model.graph.initializers.some((t) => t.dataType === DataType.FLOAT && t.data.byteLength > 4096);
}

/** where float16 costs SD visible quality: the text encoder's final LayerNorm, the VAE's GroupNorm statistics */
function keepFloat32For(component: ComponentName, model: Model): (n: Node) => boolean {
  if (component === 'text_encoder') {
    const last = model.graph.nodes.filter((n) => n.opType === 'LayerNormalization').at(-1);
    return (n) => n.name === last?.name;
  }
  if (component === 'vae_encoder' || component === 'vae_decoder') return (n) => n.opType === 'InstanceNormalization' || n.opType === 'GroupNormalization';
  return () => false;
}

function overlaps(a: string, b: string): boolean {
  return a === b || b.startsWith(a + sep) || a.startsWith(b + sep);
}

export function checkProviderRunsFusedAttention(provider: ProviderName): void {
  if (MHA_PROVIDERS.includes(provider)) return;
  throw new UserError(
    'provider-op',
    `the ${provider} provider has no kernel for com.microsoft MultiHeadAttention, the op \`models optimize\` writes`,
    `Optimize for one of ${MHA_PROVIDERS.join(', ')}, or keep the unfused export for ${provider}.`,
  );
}

/**
 * Writes a copy of an optimum Stable Diffusion folder into `out` with attention fused into
 * MultiHeadAttention in every component where the layout allows (see fuseAttention), and
 * decomposed LayerNorms and GELUs into single nodes (see fuseNorms); the other files are
 * copied. The source is only read; every write stays inside `out`.
 */
export function optimizeModelFolder(src: string, out: string, opts: OptimizeFolderOptions = {}): OptimizeFolderReport {
  const provider = opts.provider ?? 'cpu';
  checkProviderRunsFusedAttention(provider);
  const folder = checkModelComponents(src);
  const a = resolve(src);
  const b = resolve(out);
  if (overlaps(a, b) || (existsSync(out) && overlaps(realpathSync(a), realpathSync(b)))) {
    throw new UserError('bad-option', `the output folder ${out} overlaps the source folder ${src}`, 'Write the optimized copy to a separate folder.');
  }
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new UserError('output-not-empty', `${out} exists and is not empty`, 'Choose an empty or new folder for the optimized copy.');
  }
  // every rewrite first, in memory: nothing is written when a component fails
  const rewritten = new Map<ComponentName, Model>();
  const components = {} as OptimizeFolderReport['components'];
  for (const c of COMPONENT_NAMES) {
    const attention = fuseAttention(folder.models[c]);
    const { model, report: norms } = fuseNorms(attention.model);
    const report = { ...attention.report, norms };
    components[c] = report;
    if (opts.fp16 && !alreadyHalf(model)) {
      const half = convertToFloat16(model, keepFloat32For(c, model));
      removeDeadNodes(half.model);
      components[c] = { ...report, fp16: half.report };
      rewritten.set(c, half.model);
    } else if (report.fused.length > 0 || norms.layerNorms + norms.gelus + norms.fastGelus > 0) rewritten.set(c, model);
  }
  mkdirSync(out, { recursive: true });
  const skip = new Set<string>();
  for (const c of rewritten.keys()) {
    const path = folder.components[c]!;
    skip.add(resolve(path));
    for (const f of dataFiles(folder.models[c], path)) skip.add(f);
  }
  copyModelFiles(src, out, { root: b, filter: (from) => !skip.has(resolve(from)) && basename(from) !== OPTIMIZED_MARKER });
  for (const [c, model] of rewritten) {
    const sourcePath = folder.components[c]!;
    const path = join(out, c, 'model.onnx');
    const external = dataFiles(folder.models[c], sourcePath).length > 0;
    for (const f of [path, `${path}.partial`, ...(external ? [`${path}_data`, `${path}_data.partial`] : [])]) assertWritableInside(b, f);
    mkdirSync(join(out, c), { recursive: true });
    saveModel(model, path, { externalData: external ? 'always' : 'auto', signal: opts.signal });
  }
  const report: OptimizeFolderReport = { source: a, out: b, provider, fp16: Boolean(opts.fp16), components };
  writeFileAtomic(join(out, OPTIMIZED_MARKER), JSON.stringify(report, null, 2) + '\n', { insideRoot: b });
  return report;
}
