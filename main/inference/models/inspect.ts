import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataType, FileRange, dataTypeName, type ValueInfo } from '../onnx/model';
import { readModel } from '../onnx/read-model';
import { findAttentionLayers, fusedAttentionNodes } from './attention-layers';
import { findTokenEmbedding } from './adapt-textual-inversion';
import { COMPONENT_NAMES, openModelFolder, type ComponentName } from './model-folder';
import { checkOpset, feedInputs, graphProblems } from './model-checks';

export interface TensorSummary {
  name: string;
  dtype: string;
  /** numbers for fixed dims, names for symbolic ones, null when unknown */
  shape: (number | string | null)[] | null;
}

export interface ComponentInfo {
  name: ComponentName;
  path: string;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  opset: number;
  irVersion: number;
  /** model.onnx plus its external data files */
  bytesOnDisk: number;
  dataFiles: string[];
  /** the float type of the weights: float32, float16, or mixed */
  precision: 'float32' | 'float16' | 'mixed' | 'none';
  parameters: number;
  nodes: number;
  fusedAttention: boolean;
  fusedAttentionNodes: number;
  /** r2r adaptation metadata (r2r.adapt.*), when this copy was adapted */
  adapted: Record<string, unknown>;
  /** why this file cannot serve as the component (wrong inputs or outputs); empty when it can */
  problems: string[];
  /** UNet: self-attention layers per resolution level (0 = latent resolution) */
  attn1ByLevel?: { level: number; downscale: number; layers: string[] }[];
  crossAttentionLayers?: number;
  /** text encoder: the token embedding table */
  tokenEmbedding?: { vocabSize: number; hidden: number };
}

export interface ModelInspection {
  dir: string;
  components: ComponentInfo[];
  tokenizer: boolean;
  scheduler: boolean;
}

function summary(v: ValueInfo): TensorSummary {
  return { name: v.name, dtype: dataTypeName(v.elemType), shape: v.shape ? v.shape.map((d) => d ?? null) : null };
}

/** structure-only look at one component: never reads weights */
export function inspectComponent(name: ComponentName, path: string, model = readModel(path)): ComponentInfo {
  const opset = checkOpset(model, path);
  const absPath = resolve(path);
  const dataFiles = new Set<string>();
  const bytesByType = new Map<number, number>();
  let parameters = 0;
  for (const t of model.graph.initializers) {
    if (t.data instanceof FileRange && t.data.path !== absPath) dataFiles.add(t.data.path);
    if (t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16 || t.dataType === DataType.BFLOAT16) {
      bytesByType.set(t.dataType, (bytesByType.get(t.dataType) ?? 0) + t.data.byteLength);
      parameters += t.dims.reduce((a, b) => a * b, 1);
    }
  }
  const fp32 = bytesByType.get(DataType.FLOAT) ?? 0;
  const fp16 = bytesByType.get(DataType.FLOAT16) ?? 0;
  const total = fp32 + fp16;
  const precision = total === 0 ? 'none' : fp16 / total > 0.98 ? 'float16' : fp32 / total > 0.98 ? 'float32' : 'mixed';
  const fused = fusedAttentionNodes(model.graph);
  const adapted: Record<string, unknown> = {};
  for (const p of model.metadataProps) {
    if (!p.key.startsWith('r2r.adapt')) continue;
    try {
      adapted[p.key] = JSON.parse(p.value);
    } catch {
      adapted[p.key] = p.value;
    }
  }
  const info: ComponentInfo = {
    name,
    path,
    inputs: feedInputs(model).map(summary),
    outputs: model.graph.outputs.map(summary),
    opset,
    irVersion: model.irVersion,
    bytesOnDisk: statSync(path).size + [...dataFiles].reduce((n, f) => n + statSync(f).size, 0),
    dataFiles: [...dataFiles],
    precision,
    parameters,
    nodes: model.graph.nodes.length,
    fusedAttention: fused.length > 0,
    fusedAttentionNodes: fused.length,
    adapted,
    problems: graphProblems(name, model),
  };
  if (name === 'unet' && fused.length === 0) {
    const layers = findAttentionLayers(model.graph, model.graph.inputs.find((v) => v.name === 'sample')?.name);
    const byLevel = new Map<number, string[]>();
    for (const l of layers) if (l.kind === 'self' && l.level !== undefined) byLevel.set(l.level, [...(byLevel.get(l.level) ?? []), l.name]);
    info.attn1ByLevel = [...byLevel.entries()].sort((a, b) => a[0] - b[0]).map(([level, names]) => ({ level, downscale: 2 ** level, layers: names }));
    info.crossAttentionLayers = layers.filter((l) => l.kind === 'cross').length;
  }
  if (name === 'text_encoder') {
    try {
      const e = findTokenEmbedding(model, path);
      info.tokenEmbedding = { vocabSize: e.vocabSize, hidden: e.hidden };
    } catch {
      // reported as absent; adaptation gives the full error
    }
  }
  return info;
}

/** inspects every component of a model folder (structure only, weights stay on disk) */
export function inspectModelFolder(dir: string): ModelInspection {
  const folder = openModelFolder(dir);
  const components = COMPONENT_NAMES.map((c) => inspectComponent(c, folder.components[c]!));
  return { dir, components, tokenizer: Boolean(folder.tokenizer), scheduler: Boolean(folder.scheduler) };
}
