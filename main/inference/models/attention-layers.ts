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
