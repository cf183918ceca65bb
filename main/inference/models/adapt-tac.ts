import { UserError } from '../../common/errors';
import { A, int64Bytes, toAttribute, type AttrValue } from '../onnx/graph-builder';
import { GraphIndex, uniqueNamer } from '../onnx/graph-index';
import { DataType, cloneModel, type DataTypeId, type Model, type Node } from '../onnx/model';
import { findAttentionLayers, fusedAttentionNodes, type AttentionLayer } from './attention-layers';

export const TAC_SOURCE_INPUT = 'tac_qk_source';
export const TAC_MASK_INPUT = 'tac_token_mask';
export const TAC_METADATA_KEY = 'r2r.adapt.tac';

export interface TacOptions {
  /** resolution levels to control (0 = latent resolution); default: the two highest-resolution levels holding attn1 */
  levels?: number[];
  /**
   * add the input `tac_token_mask` [B,1,h,w] (latent resolution) mixing own (0) and source (1)
   * Q/K per token; feed ones for plain TAC. Default true. (An initializer default would make
   * it optional, but onnxruntime-node then ignores the feed.)
   */
  tokenMask?: boolean;
  /** names the component in errors (default `unet/model.onnx`) */
  what?: string;
}

export interface TacReport {
  levels: number[];
  tokenMask: boolean;
  layers: { name: string; level: number }[];
  /** attn1 layers per level before adaptation */
  available: Record<number, string[]>;
}

const UNFUSED_HINT =
  'Use an unfused export: `optimum-cli export onnx --model <model> --task text-to-image <folder>` without ' +
  '`optimum-cli onnxruntime optimize` (ORT\'s transformer optimizer fuses attention into MultiHeadAttention).';

/** self-attention layers of a UNet by resolution level; refuses fused or unrecognisable graphs */
export function selfAttentionByLevel(model: Model, what = 'unet/model.onnx'): Map<number, AttentionLayer[]> {
  const fused = fusedAttentionNodes(model.graph);
  if (fused.length > 0) {
    throw new UserError(
      'fused-attention',
      `${what}: attention is fused into ${fused[0]!.opType} nodes (${fused.length} of them), so their queries and keys cannot be reached for texture-preserving attention control`,
      UNFUSED_HINT,
    );
  }
  const sample = model.graph.inputs.find((v) => v.name === 'sample')?.name ?? model.graph.inputs[0]?.name ?? 'sample';
  const byLevel = new Map<number, AttentionLayer[]>();
  for (const l of findAttentionLayers(model.graph, sample)) {
    if (l.kind !== 'self' || l.level === undefined) continue;
    const list = byLevel.get(l.level) ?? [];
    list.push(l);
    byLevel.set(l.level, list);
  }
  if (byLevel.size === 0) {
    throw new UserError(
      'attention-not-found',
      `${what}: no self-attention (attn1) layers found: no Softmax fed by MatMul(Q, K) with Q and K projected from the same tensor`,
      `This does not look like an unfused Stable Diffusion 1.x UNet export. ${UNFUSED_HINT}`,
    );
  }
  return new Map([...byLevel.entries()].sort((a, b) => a[0] - b[0]));
}

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): Node {
  return { name, opType, domain: '', inputs, outputs, attributes: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)) };
}

/** the float type a projection computes in: its weight's type, or the type it is cast to */
function computeType(ix: GraphIndex, proj: Node): DataTypeId {
  const w = proj.inputs[1]!;
  const t = ix.initializers.get(w) ?? ix.constant(w);
  if (t) return t.dataType;
  const cast = ix.producer.get(w);
  const to = cast?.attributes.find((a) => a.name === 'to')?.i;
  return to ?? DataType.FLOAT;
}

/**
 * Texture-preserving attention control as graph surgery. For each selected attn1, its Q and K
 * (the to_q / to_k MatMul outputs, [B,T,C]) are replaced by
 *   Q' = Q + m * (Gather(Q, tac_qk_source, axis 0) - Q)
 * where m is `tac_token_mask` average-pooled to the layer's token grid (m = 1 without a mask).
 * Identity indices give Q' = Q bit for bit, whatever the mask. The input model is not changed.
 */
export function adaptUnetForTac(original: Model, opts: TacOptions = {}): { model: Model; report: TacReport } {
  const model = cloneModel(original);
  const what = opts.what ?? 'unet/model.onnx';
  const g = model.graph;
  if (g.inputs.some((v) => v.name === TAC_SOURCE_INPUT)) {
    throw new UserError('already-adapted', `${what} already has a ${TAC_SOURCE_INPUT} input`, 'Adapt the original export, not an adapted copy.');
  }
  const byLevel = selfAttentionByLevel(model, what);
  const available = [...byLevel.keys()];
  const levels = opts.levels ?? available.slice(0, 2);
  for (const l of levels) {
    if (!byLevel.has(l)) {
      throw new UserError('bad-option', `${what}: no attn1 layers at resolution level ${l}; levels with attn1: ${available.join(', ')}`);
    }
  }
  const tokenMask = opts.tokenMask ?? true;
  const ix = new GraphIndex(g);
  const fresh = uniqueNamer(g);
  const sample = g.inputs.find((v) => v.name === 'sample') ?? g.inputs[0]!;

  g.inputs.push({ name: TAC_SOURCE_INPUT, elemType: DataType.INT64, shape: ['batch'] });
  const prelude: Node[] = [];
  const maskAt = new Map<string, string>(); // `${level}:${dtype}` -> [B,T,1] mask
  if (tokenMask) g.inputs.push({ name: TAC_MASK_INPUT, elemType: sample.elemType, shape: ['batch', 1, 'height', 'width'] });

  const constInts = (base: string, values: number[]): string => {
    const out = fresh(`${base}_output_0`);
    prelude.push(node(fresh(base), 'Constant', [], [out], { value: A.t({ name: '', dataType: DataType.INT64, dims: [values.length], data: int64Bytes(values) }) }));
    return out;
  };
  const levelMask = (level: number, dtype: DataTypeId): string => {
    const key = `${level}:${dtype}`;
    const have = maskAt.get(key);
    if (have) return have;
    const base = `/tac/mask_level${level}`;
    let m = TAC_MASK_INPUT;
    if (level > 0) {
      const k = 2 ** level;
      const pooled = fresh(`${base}/AveragePool_output_0`);
      prelude.push(node(fresh(`${base}/AveragePool`), 'AveragePool', [m], [pooled], { kernel_shape: A.ints([k, k]), strides: A.ints([k, k]), ceil_mode: A.i(1) }));
      m = pooled;
    }
    const tokens = fresh(`${base}/Reshape_output_0`);
    prelude.push(node(fresh(`${base}/Reshape`), 'Reshape', [m, constInts(`${base}/Constant`, [0, -1, 1])], [tokens]));
    m = tokens;
    if (dtype !== sample.elemType) {
      const cast = fresh(`${base}/Cast_output_0`);
      prelude.push(node(fresh(`${base}/Cast`), 'Cast', [m], [cast], { to: A.i(dtype) }));
      m = cast;
    }
    maskAt.set(key, m);
    return m;
  };

  const inserted = new Map<Node, Node[]>();
  const report: TacReport = { levels, tokenMask, layers: [], available: {} };
  for (const [l, list] of byLevel) report.available[l] = list.map((a) => a.name);
  for (const level of levels) {
    for (const layer of byLevel.get(level)!) {
      for (const [proj, tensor, which] of [[layer.qProj, layer.q, 'q'], [layer.kProj, layer.k, 'k']] as const) {
        const base = `${layer.name}/tac_${which}`;
        const gathered = fresh(`${base}/Gather_output_0`);
        const added: Node[] = [node(fresh(`${base}/Gather`), 'Gather', [tensor, TAC_SOURCE_INPUT], [gathered], { axis: A.i(0) })];
        let replaced = gathered;
        if (tokenMask) {
          const diff = fresh(`${base}/Sub_output_0`);
          const scaled = fresh(`${base}/Mul_output_0`);
          replaced = fresh(`${base}/Add_output_0`);
          added.push(
            node(fresh(`${base}/Sub`), 'Sub', [gathered, tensor], [diff]),
            node(fresh(`${base}/Mul`), 'Mul', [levelMask(level, computeType(ix, proj)), diff], [scaled]),
            node(fresh(`${base}/Add`), 'Add', [tensor, scaled], [replaced]),
          );
        }
        for (const consumer of ix.consumers.get(tensor) ?? []) {
          consumer.inputs = consumer.inputs.map((i) => (i === tensor ? replaced : i));
        }
        if (g.outputs.some((o) => o.name === tensor)) {
          throw new UserError('bad-model', `${what}: ${tensor} is a graph output; cannot reroute it`);
        }
        inserted.set(proj, added);
        report.layers.push({ name: layer.name, level });
      }
    }
  }
  // keep the node list topologically sorted: new nodes right after their projection
  const nodes: Node[] = [...prelude];
  for (const n of g.nodes) {
    nodes.push(n);
    const after = inserted.get(n);
    if (after) nodes.push(...after);
  }
  g.nodes = nodes;
  report.layers = report.layers.filter((l, i, all) => all.findIndex((m) => m.name === l.name) === i);
  model.metadataProps = model.metadataProps.filter((p) => p.key !== TAC_METADATA_KEY);
  model.metadataProps.push({ key: TAC_METADATA_KEY, value: JSON.stringify({ version: 1, levels, tokenMask, layers: report.layers.map((l) => l.name) }) });
  return { model, report };
}
