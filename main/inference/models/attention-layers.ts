import { GraphIndex, attr } from '../onnx/graph-index';
import type { Graph, Node } from '../onnx/model';

/** ops that hold a whole attention after ORT's transformer optimizer (no Q/K to reach) */
export const FUSED_ATTENTION_OPS = new Set([
  'Attention',
  'MultiHeadAttention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'GroupQueryAttention',
]);

export interface AttentionLayer {
  /** module path from the node names, e.g. `/down_blocks.0/attentions.0/transformer_blocks.0/attn1` */
  name: string;
  kind: 'self' | 'cross';
  /** resolution level: 0 at the sample's resolution, +1 per 2x downsampling; undefined when unknown */
  level: number | undefined;
  /** the projection MatMuls and their outputs (the tensors TAC replaces) */
  qProj: Node;
  kProj: Node;
  q: string;
  k: string;
  softmax: Node;
}

export function fusedAttentionNodes(graph: Graph): Node[] {
  return graph.nodes.filter((n) => FUSED_ATTENTION_OPS.has(n.opType));
}

/** ops that pass a tensor along without mixing batch rows or tokens (head split, scaling, casts) */
const PASS_THROUGH = new Set(['Transpose', 'Reshape', 'Mul', 'Div', 'Cast', 'Identity', 'Add', 'Squeeze', 'Unsqueeze', 'Sqrt']);

/**
 * Follows a Q or K operand of the scores MatMul back through head splitting and scaling to
 * the projection: a MatMul whose second input is a weight.
 */
function findProjection(ix: GraphIndex, tensor: string): Node | undefined {
  let t = tensor;
  for (let steps = 0; steps < 12; steps++) {
    const p = ix.producer.get(t);
    if (!p) return undefined;
    if (p.opType === 'MatMul' && ix.isConstant(p.inputs[1]!) && !ix.isConstant(p.inputs[0]!)) return p;
    // through the nodes our own TAC pass inserted (an adapted copy is still inspectable)
    if (/\/tac_[qk]\/(Add|Gather)(_\d+)?$/.test(p.name)) {
      t = p.inputs[0]!;
      continue;
    }
    if (!PASS_THROUGH.has(p.opType)) return undefined;
    const dynamic = p.inputs.filter((i) => i && !ix.isStatic(i));
    if (dynamic.length !== 1) return undefined;
    t = dynamic[0]!;
  }
  return undefined;
}

/** the MatMul computing Q K^T in front of a Softmax (through scaling and masking) */
function findScores(ix: GraphIndex, softmax: Node): Node | undefined {
  let t = softmax.inputs[0]!;
  for (let steps = 0; steps < 6; steps++) {
    const p = ix.producer.get(t);
    if (!p) return undefined;
    if (p.opType === 'MatMul') return ix.isStatic(p.inputs[1]!) ? undefined : p;
    if (!['Mul', 'Div', 'Add', 'Cast', 'Where'].includes(p.opType)) return undefined;
    const dynamic = p.inputs.filter((i) => i && !ix.isStatic(i));
    // with a mask Add both operands may be dynamic: the scores come first in exports
    t = dynamic[0] ?? '';
  }
  return undefined;
}

/**
 * Resolution level of every tensor, propagated from `sample`: a stride-2 Conv (or pooling)
 * goes one level down, a Resize one level up. Found by structure, not by node names.
 */
export function resolutionLevels(graph: Graph, from: string): Map<string, number> {
  const ix = new GraphIndex(graph);
  const level = new Map<string, number>([[from, 0]]);
  for (const n of graph.nodes) {
    const known = n.inputs.filter((i) => i && level.has(i)).map((i) => level.get(i)!);
    if (known.length === 0) continue;
    let l = Math.min(...known);
    if (n.opType === 'Conv' || n.opType === 'MaxPool' || n.opType === 'AveragePool') {
      const strides = attr(n, 'strides')?.ints ?? [1, 1];
      if (strides.some((s) => s > 1)) l += Math.round(Math.log2(Math.max(...strides)));
    } else if (n.opType === 'Resize' || n.opType === 'Upsample') {
      if (!level.has(n.inputs[0]!)) continue;
      l = level.get(n.inputs[0]!)!;
      const scales = n.inputs[n.opType === 'Resize' ? 2 : 1] ? ix.constFloats(n.inputs[n.opType === 'Resize' ? 2 : 1]!) : undefined;
      const s = scales && scales.length >= 4 ? scales[scales.length - 1]! : 2;
      l -= Math.round(Math.log2(s));
    } else if (n.opType === 'Shape') continue;
    for (const o of n.outputs) level.set(o, l);
  }
  return level;
}

/**
 * Every unfused attention of the graph: each Softmax fed by MatMul(Q', K') where Q' and K'
 * come from weight MatMuls. Self-attention when Q and K project the same tensor.
 */
export function findAttentionLayers(graph: Graph, sampleInput = 'sample'): AttentionLayer[] {
  const ix = new GraphIndex(graph);
  const levels = resolutionLevels(graph, sampleInput);
  const layers: AttentionLayer[] = [];
  for (const softmax of graph.nodes.filter((n) => n.opType === 'Softmax')) {
    const scores = findScores(ix, softmax);
    if (!scores) continue;
    const qProj = findProjection(ix, scores.inputs[0]!);
    const kProj = findProjection(ix, scores.inputs[1]!);
    if (!qProj || !kProj || qProj === kProj) continue;
    const segments = qProj.name.split('/');
    const name = segments.length > 3 ? segments.slice(0, -2).join('/') : qProj.name;
    layers.push({
      name,
      kind: qProj.inputs[0] === kProj.inputs[0] ? 'self' : 'cross',
      level: levels.get(qProj.inputs[0]!),
      qProj,
      kProj,
      q: qProj.outputs[0]!,
      k: kProj.outputs[0]!,
      softmax,
    });
  }
  return layers;
}

/**
 * Fused attention forms TAC can adapt:
 * - `mha`: MultiHeadAttention with separate query/key/value ([B,S,D]), from projections or a Split
 * - `mha-packed-qkv`: MultiHeadAttention whose query is packed QKV [B,S,N,3,H] (key and value empty)
 * - `attention`: com.microsoft Attention (input, packed weights [C,3D], bias)
 */
export type FusedAttentionForm = 'mha' | 'mha-packed-qkv' | 'attention';

export interface FusedAttentionLayer {
  name: string;
  kind: 'self' | 'cross';
  level: number | undefined;
  form: FusedAttentionForm;
  node: Node;
  /** the node holding the Q weight (a MatMul, or the Attention node itself): its weight's type is the compute type */
  qProj: Node;
}

export interface FusedAttentionScan {
  layers: FusedAttentionLayer[];
  /** fused nodes in a form TAC cannot adapt, with why */
  unsupported: { node: Node; why: string }[];
}

/** besides PASS_THROUGH: the ops that cut Q, K and V out of one projection */
const UNPACKING = new Set(['Split', 'Slice', 'Gather']);

/** the weight MatMul behind a fused node's input, through head reshapes, bias adds and QKV splits */
function fusedProjection(ix: GraphIndex, tensor: string): Node | undefined {
  let t = tensor;
  for (let steps = 0; steps < 12; steps++) {
    const p = ix.producer.get(t);
    if (!p) return undefined;
    if (p.opType === 'MatMul' && ix.isConstant(p.inputs[1]!) && !ix.isConstant(p.inputs[0]!)) return p;
    // through the nodes our own TAC pass inserted (a TAC-adapted copy can take reference attention too)
    if (/\/tac_[qk]\/(Add|Gather)(_\d+)?$/.test(p.name)) {
      t = p.inputs[0]!;
      continue;
    }
    if (!PASS_THROUGH.has(p.opType) && !UNPACKING.has(p.opType)) return undefined;
    const dynamic = p.inputs.filter((i) => i && !ix.isStatic(i));
    if (dynamic.length !== 1) return undefined;
    t = dynamic[0]!;
  }
  return undefined;
}

const ATTENTION_OPTIONS_UNSUPPORTED = ['unidirectional', 'do_rotary', 'past_present_share_buffer'];

function layerName(proj: Node, fused: Node): string {
  const segments = proj.name.split('/');
  return segments.length > 3 ? segments.slice(0, -2).join('/') : fused.name;
}

/** every MultiHeadAttention / Attention node, with its kind and resolution level when TAC can adapt it */
export function findFusedAttentionLayers(graph: Graph, sampleInput = 'sample'): FusedAttentionScan {
  const ix = new GraphIndex(graph);
  const levels = resolutionLevels(graph, sampleInput);
  const scan: FusedAttentionScan = { layers: [], unsupported: [] };
  for (const node of fusedAttentionNodes(graph)) {
    const [query, key, value] = node.inputs;
    if (node.opType === 'Attention') {
      const option = ATTENTION_OPTIONS_UNSUPPORTED.find((a) => (attr(node, a)?.i ?? 0) !== 0);
      const extra = node.inputs.slice(3).some((i) => i);
      const sizes = attr(node, 'qkv_hidden_sizes')?.ints;
      if (option || extra || node.outputs.slice(1).some((o) => o && ix.consumers.has(o)) || (sizes && new Set(sizes).size > 1)) {
        const why = option ? `attribute ${option}` : extra ? 'a mask or past input' : sizes ? 'unequal qkv_hidden_sizes' : 'a present output';
        scan.unsupported.push({ node, why });
        continue;
      }
      const path = node.name.split('/');
      const name = path.length > 2 ? path.slice(0, -1).join('/') : node.name;
      scan.layers.push({ name, kind: 'self', level: levels.get(query!), form: 'attention', node, qProj: node });
      continue;
    }
    if (node.opType !== 'MultiHeadAttention') {
      scan.unsupported.push({ node, why: `op ${node.opType}` });
      continue;
    }
    const qProj = query ? fusedProjection(ix, query) : undefined;
    if (!qProj) continue;
    const packedQkv = !key && !value;
    if (packedQkv) {
      scan.layers.push({ name: layerName(qProj, node), kind: 'self', level: levels.get(qProj.inputs[0]!), form: 'mha-packed-qkv', node, qProj });
      continue;
    }
    const kProj = fusedProjection(ix, key!);
    if (!kProj) continue;
    const self = kProj.inputs[0] === qProj.inputs[0];
    if (self && !value) {
      scan.unsupported.push({ node, why: 'packed key/value in self-attention' });
      continue;
    }
    scan.layers.push({ name: layerName(qProj, node), kind: self ? 'self' : 'cross', level: levels.get(qProj.inputs[0]!), form: 'mha', node, qProj });
  }
  return scan;
}
