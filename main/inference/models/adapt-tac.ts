import { UserError } from '../../common/errors';
import { A, int64Bytes, toAttribute, type AttrValue } from '../onnx/graph-builder';
import { GraphIndex, uniqueNamer } from '../onnx/graph-index';
import { DataType, cloneModel, type DataTypeId, type Model, type Node } from '../onnx/model';
import { findAttentionLayers, findFusedAttentionLayers, type AttentionLayer, type FusedAttentionLayer } from './attention-layers';

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

const SUPPORTED_HINT =
  'TAC adapts unfused attention (MatMul/Softmax), com.microsoft MultiHeadAttention (separate or packed QKV, ' +
  'as `optimum-cli onnxruntime optimize` writes it) and com.microsoft Attention without mask or past inputs. ' +
  'Otherwise use an unfused export: `optimum-cli export onnx --model <model> --task text-to-image <folder>`, then `r2r models optimize`.';

/** one self-attention TAC can adapt: unfused (Softmax of Q K^T) or a fused node */
export type SelfAttention = { name: string; level: number; unfused: AttentionLayer } | { name: string; level: number; fused: FusedAttentionLayer };

/** self-attention layers of a UNet by resolution level; refuses fused forms TAC cannot adapt and unrecognisable graphs */
export function selfAttentionByLevel(model: Model, what = 'unet/model.onnx'): Map<number, SelfAttention[]> {
  const sample = model.graph.inputs.find((v) => v.name === 'sample')?.name ?? model.graph.inputs[0]?.name ?? 'sample';
  const scan = findFusedAttentionLayers(model.graph, sample);
  if (scan.unsupported.length > 0) {
    const first = scan.unsupported[0]!;
    throw new UserError(
      'fused-attention',
      `${what}: attention is fused into ${first.node.opType} nodes in a form texture-preserving attention control cannot reach (${first.why}; ${scan.unsupported.length} such node(s), first ${first.node.name})`,
      SUPPORTED_HINT,
    );
  }
  const found: SelfAttention[] = [];
  for (const l of findAttentionLayers(model.graph, sample)) {
    if (l.kind === 'self' && l.level !== undefined) found.push({ name: l.name, level: l.level, unfused: l });
  }
  for (const l of scan.layers) {
    if (l.kind === 'self' && l.level !== undefined) found.push({ name: l.name, level: l.level, fused: l });
  }
  const byLevel = new Map<number, SelfAttention[]>();
  for (const l of found) byLevel.set(l.level, [...(byLevel.get(l.level) ?? []), l]);
  if (byLevel.size === 0) {
    throw new UserError(
      'attention-not-found',
      `${what}: no self-attention (attn1) layers found: no Softmax fed by MatMul(Q, K) and no MultiHeadAttention/Attention node with Q and K projected from the same tensor`,
      `This does not look like a Stable Diffusion 1.x UNet export. ${SUPPORTED_HINT}`,
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
 * Fused attention gets the same mixing on the [B,T,C] query and key it is fed: a
 * MultiHeadAttention's inputs directly; packed QKV is first cut into Q, K, V (Gather on the
 * packing axis), and an Attention node becomes its projection MatMul plus MultiHeadAttention.
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

  const after = new Map<Node, Node[]>(); // new nodes placed right after an existing one
  const replaced = new Map<Node, Node[]>(); // an existing node swapped for new ones
  const place = (producerOf: string, added: Node[]) => {
    const p = ix.producer.get(producerOf);
    if (!p) throw new UserError('bad-model', `${what}: ${producerOf} has no producing node; cannot adapt its attention`);
    after.set(p, [...(after.get(p) ?? []), ...added]);
  };
  /** Q' = Q + m (Gather(Q, source) - Q), or Gather(Q, source) without a mask; returns the nodes and Q' */
  const mix = (tensor: string, base: string, level: number, dtype: DataTypeId): { nodes: Node[]; out: string } => {
    const gathered = fresh(`${base}/Gather_output_0`);
    const nodes: Node[] = [node(fresh(`${base}/Gather`), 'Gather', [tensor, TAC_SOURCE_INPUT], [gathered], { axis: A.i(0) })];
    if (!tokenMask) return { nodes, out: gathered };
    const diff = fresh(`${base}/Sub_output_0`);
    const scaled = fresh(`${base}/Mul_output_0`);
    const out = fresh(`${base}/Add_output_0`);
    nodes.push(
      node(fresh(`${base}/Sub`), 'Sub', [gathered, tensor], [diff]),
      node(fresh(`${base}/Mul`), 'Mul', [levelMask(level, dtype), diff], [scaled]),
      node(fresh(`${base}/Add`), 'Add', [tensor, scaled], [out]),
    );
    return { nodes, out };
  };
  const refuseOutput = (tensor: string) => {
    if (g.outputs.some((o) => o.name === tensor)) throw new UserError('bad-model', `${what}: ${tensor} is a graph output; cannot reroute it`);
  };

  const report: TacReport = { levels, tokenMask, layers: [], available: {} };
  for (const [l, list] of byLevel) report.available[l] = list.map((a) => a.name);
  for (const level of levels) {
    for (const layer of byLevel.get(level)!) {
      report.layers.push({ name: layer.name, level });
      if ('unfused' in layer) {
        const u = layer.unfused;
        for (const [proj, tensor, which] of [[u.qProj, u.q, 'q'], [u.kProj, u.k, 'k']] as const) {
          const { nodes, out } = mix(tensor, `${layer.name}/tac_${which}`, level, computeType(ix, proj));
          for (const consumer of ix.consumers.get(tensor) ?? []) consumer.inputs = consumer.inputs.map((i) => (i === tensor ? out : i));
          refuseOutput(tensor);
          place(tensor, nodes);
        }
        continue;
      }
      const f = layer.fused;
      const dtype = computeType(ix, f.qProj);
      const fusedNode = f.node;
      if (f.form === 'mha') {
        for (const [slot, which] of [[0, 'q'], [1, 'k']] as const) {
          const tensor = fusedNode.inputs[slot]!;
          const { nodes, out } = mix(tensor, `${layer.name}/tac_${which}`, level, dtype);
          fusedNode.inputs[slot] = out;
          place(tensor, nodes);
        }
        continue;
      }
      // packed forms: cut Q, K, V apart ([B,S,3,D] or [B,S,N,3,H] -> Gather on the packing axis -> [B,S,D]) and feed MultiHeadAttention separately
      const unpack = (packed: string, axis: number, nodes: Node[]): string[] =>
        (['q', 'k', 'v'] as const).map((which, i) => {
          const base = `${layer.name}/tac_unpack_${which}`;
          const picked = fresh(`${base}/Gather_output_0`);
          const flat = fresh(`${base}/Reshape_output_0`);
          const index = fresh(`${base}/Constant_output_0`);
          nodes.push(
            node(fresh(`${base}/Constant`), 'Constant', [], [index], { value: A.t({ name: '', dataType: DataType.INT64, dims: [], data: int64Bytes([i]) }) }),
            node(fresh(`${base}/Gather`), 'Gather', [packed, index], [picked], { axis: A.i(axis) }),
            node(fresh(`${base}/Reshape`), 'Reshape', [picked, constInts(`${base}/shape`, [0, 0, -1])], [flat]),
          );
          return flat;
        });
      const mixQk = (parts: string[], nodes: Node[]): string[] => {
        const [q, k, v] = parts;
        const mq = mix(q!, `${layer.name}/tac_q`, level, dtype);
        const mk = mix(k!, `${layer.name}/tac_k`, level, dtype);
        nodes.push(...mq.nodes, ...mk.nodes);
        return [mq.out, mk.out, v!];
      };
      if (f.form === 'mha-packed-qkv') {
        const packed = fusedNode.inputs[0]!;
        const nodes: Node[] = [];
        const [q, k, v] = mixQk(unpack(packed, 3, nodes), nodes);
        fusedNode.inputs = [q!, k!, v!, ...fusedNode.inputs.slice(3)];
        place(packed, nodes);
        continue;
      }
      // Attention: its packed projection as MatMul (+ bias), then MultiHeadAttention on the mixed Q and K
      const [x, weights, bias] = fusedNode.inputs;
      const base = `${fusedNode.name}/tac_qkv`;
      let qkv = fresh(`${base}/MatMul_output_0`);
      const nodes: Node[] = [node(fresh(`${base}/MatMul`), 'MatMul', [x!, weights!], [qkv])];
      if (bias) {
        const biased = fresh(`${base}/Add_output_0`);
        nodes.push(node(fresh(`${base}/Add`), 'Add', [qkv, bias], [biased]));
        qkv = biased;
      }
      const split = fresh(`${base}/Reshape_output_0`);
      nodes.push(node(fresh(`${base}/Reshape`), 'Reshape', [qkv, constInts(`${base}/shape`, [0, 0, 3, -1])], [split]));
      const [q, k, v] = mixQk(unpack(split, 2, nodes), nodes);
      const keep = fusedNode.attributes.filter((a) => ['num_heads', 'scale', 'mask_filter_value'].includes(a.name));
      nodes.push({ name: fresh(`${fusedNode.name}/MultiHeadAttention`), opType: 'MultiHeadAttention', domain: 'com.microsoft', inputs: [q!, k!, v!], outputs: [fusedNode.outputs[0]!], attributes: keep });
      replaced.set(fusedNode, nodes);
    }
  }
  const nodes: Node[] = [...prelude];
  for (const n of g.nodes) {
    const swap = replaced.get(n);
    nodes.push(...(swap ?? [n]));
    nodes.push(...(after.get(n) ?? []));
  }
  g.nodes = nodes;
  report.layers = report.layers.filter((l, i, all) => all.findIndex((m) => m.name === l.name) === i);
  model.metadataProps = model.metadataProps.filter((p) => p.key !== TAC_METADATA_KEY);
  model.metadataProps.push({ key: TAC_METADATA_KEY, value: JSON.stringify({ version: 1, levels, tokenMask, layers: report.layers.map((l) => l.name) }) });
  return { model, report };
}
