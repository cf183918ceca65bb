import { A, toAttribute } from '../../onnx/graph-builder';
import { GraphIndex, attr } from '../../onnx/graph-index';
import { cloneModel, tensorFloats, tensorInts, type Model, type Node, type Tensor } from '../../onnx/model';
import { findAttentionLayers, type AttentionLayer } from '../attention-layers';
import { isNum, mulSize, sameSize, ShapeEvaluator, type Size } from './shape-eval';

export interface FuseReport {
  /** attention layers now computed by one MultiHeadAttention node */
  fused: { name: string; kind: 'self' | 'cross'; heads: number }[];
  /** unfused attention left as it was, with why */
  skipped: { name: string; why: string }[];
}

class Skip extends Error {}

const samePerm = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const IDENTITY4 = [0, 1, 2, 3];

interface HeadChain {
  /** the [B,S,C] projection output (bias included) the chain starts from */
  source: string;
  heads: number;
  headDim: number;
  /** the transposes along the chain, composed, on the 4-d [B,S,N,D] view (heads folded into the batch count as axis 1) */
  perm: number[];
  /** heads folded into the batch ([B*N, S, D], diffusers' head_to_batch_dim for bmm/baddbmm) */
  headsInBatch: boolean;
  /** one head of all C channels, no head split at all (the LDM VAE's AttnBlock): the [B,S,C] tensor seen as [B,1,S,C] */
  single: boolean;
  scale: number;
}

/** how a Reshape of a [B,N,S,D] tensor to [B*N,S,D] looks in sizes: the first two axes merged, nothing else */
function mergesHeadsIntoBatch(input: (Size | undefined)[], output: (Size | undefined)[]): boolean {
  const [b, n, s, d] = input;
  if (!b || !n || !s || !d || input.length !== 4 || output.length !== 3) return false;
  return sameSize(output[0], mulSize(b, n)) && sameSize(output[1], s) && sameSize(output[2], d);
}

/** the value of a scalar scaling operand (a constant, or computed from shapes as torch's SDPA export does) */
function scalarOperand(ix: GraphIndex, ev: ShapeEvaluator, p: Node): { x: string; factor: number } {
  const [a, b] = p.inputs as [string, string];
  const constSide = ix.isStatic(b) ? b : ix.isStatic(a) ? a : undefined;
  const v = constSide !== undefined ? ev.scalar(constSide) : undefined;
  if (constSide === undefined || v === undefined || (p.opType === 'Div' && constSide !== b)) throw new Skip('a scaling that is not a scalar known before run time');
  return { x: constSide === b ? a : b, factor: p.opType === 'Mul' ? v : 1 / v };
}

/**
 * Walks from a Q, K or V operand of the attention back to its [B,S,C] projection output:
 * a head split (Reshape to [b,s,N,d], the target constant or computed from Shape ops),
 * transposes, heads folded into the batch and back, and scalar scalings, nothing else.
 */
function headChain(ix: GraphIndex, ev: ShapeEvaluator, tensor: string): HeadChain {
  const chain: HeadChain = { source: tensor, heads: 0, headDim: 0, perm: IDENTITY4, headsInBatch: false, single: false, scale: 1 };
  let batched3d = false;
  let t = tensor;
  for (let steps = 0; steps < 12; steps++) {
    const p = ix.producer.get(t);
    if (!p) throw new Skip('no projection');
    if (p.opType === 'Mul' || p.opType === 'Div') {
      const { x, factor } = scalarOperand(ix, ev, p);
      chain.scale *= factor;
      t = x;
      continue;
    }
    if (chain.heads > 0) break; // past the head split only scalings belong to the attention
    if (p.opType === 'Transpose') {
      const perm = attr(p, 'perm')?.ints ?? [];
      if (perm.length === 3 && perm[0] === 0 && !chain.headsInBatch) {
        batched3d = true;
        chain.perm = chain.perm.map((i) => [0, 1, perm[1]! + 1, perm[2]! + 1][i]!);
      } else if (perm.length === 4 && (chain.headsInBatch || !batched3d)) {
        chain.perm = chain.perm.map((i) => perm[i]!);
      } else throw new Skip(`a ${perm.length}-d transpose ${perm.join(',')} in the head layout`);
    } else if (p.opType === 'Reshape') {
      const input = ev.shape(p.inputs[0]!);
      const output = ev.shape(p.outputs[0]!);
      if (output?.length === 3 && input?.length === 4 && !chain.headsInBatch) {
        if (!mergesHeadsIntoBatch(input, output)) throw new Skip('a 4-d to 3-d reshape that does not fold the heads into the batch');
        chain.headsInBatch = true;
      } else if (output?.length === 4) {
        const [heads, headDim] = [output[2], output[3]];
        const width = input?.at(-1);
        if (!isNum(heads) || !isNum(headDim) || heads.c <= 0) throw new Skip('the head count of the head split is not known before run time');
        if (input?.length !== 3 || !sameSize(output[0], input[0]) || !sameSize(output[1], input[1]) || (isNum(width) && width.c !== heads.c * headDim.c)) {
          throw new Skip('the head split is not a Reshape of [B, S, C] to [B, S, heads, C/heads]');
        }
        [chain.heads, chain.headDim] = [heads.c, headDim.c];
      } else throw new Skip('the head split is not a Reshape to [b, s, heads, d]');
    } else break;
    t = p.inputs[0]!;
  }
  chain.source = t;
  if (chain.heads === 0 && !chain.headsInBatch) {
    const shape = ev.shape(t);
    const width = shape?.at(-1);
    if (shape?.length !== 3 || !isNum(width)) throw new Skip('no head split');
    [chain.heads, chain.headDim, chain.single] = [1, width.c, true];
  }
  if (chain.heads === 0) throw new Skip('no head split');
  return chain;
}

/** an operand adding nothing: baddbmm's beta=0 term (torch.empty(...) * 0) or a zero constant */
function isZeroTerm(ix: GraphIndex, ev: ShapeEvaluator, t: string): boolean {
  if (!ix.isStatic(t)) return false;
  const p = ix.producer.get(t);
  if (p?.opType === 'Mul') return p.inputs.some((i) => ev.scalar(i) === 0);
  if (p?.opType === 'ConstantOfShape') {
    const value = attr(p, 'value')?.t;
    return !value || (constantZero(value));
  }
  // a constant is read directly: the shape evaluator does not fold big tensors
  const c = ix.constant(t);
  if (c) {
    try {
      return constantZero(c);
    } catch {
      return false;
    }
  }
  const v = ev.numbers(t);
  return v !== undefined && v.every((x) => x === 0);
}

function constantZero(t: Tensor): boolean {
  try {
    return tensorFloats(t).every((x) => x === 0);
  } catch {
    return tensorInts(t).every((x) => x === 0);
  }
}

/** the one node reading `tensor` besides Shape nodes (torch exports read sizes everywhere; what they feed is checked after the rewrite) */
function onlyConsumer(ix: GraphIndex, tensor: string, outputs: Set<string>): Node {
  const c = (ix.consumers.get(tensor) ?? []).filter((n) => n.opType !== 'Shape');
  if (c.length !== 1 || outputs.has(tensor)) throw new Skip(`${tensor} is used outside the attention`);
  return c[0]!;
}

/** drops nodes none of whose outputs is used, until none is left */
export function removeDeadNodes(model: Model): number {
  const g = model.graph;
  const before = g.nodes.length;
  for (;;) {
    const used = new Set(g.outputs.map((o) => o.name));
    for (const n of g.nodes) n.inputs.forEach((i) => used.add(i));
    const kept = g.nodes.filter((n) => n.outputs.some((o) => o && used.has(o)));
    if (kept.length === g.nodes.length) break;
    g.nodes = kept;
  }
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  g.initializers = g.initializers.filter((t) => used.has(t.name) || g.outputs.some((o) => o.name === t.name));
  return before - g.nodes.length;
}

/** the tensors every node and graph output reads exist (a fused layer must not take away what others use) */
function dangling(model: Model): string | undefined {
  const g = model.graph;
  const have = new Set([...g.inputs.map((v) => v.name), ...g.initializers.map((t) => t.name), ...g.nodes.flatMap((n) => n.outputs)]);
  for (const n of g.nodes) for (const i of n.inputs) if (i && !have.has(i)) return i;
  return g.outputs.find((o) => !have.has(o.name))?.name;
}

/** the node after `tensor`, through a Cast (upcast_softmax and `.to(dtype)` in fp16 exports) */
function nextThroughCast(ix: GraphIndex, tensor: string, outputs: Set<string>): Node {
  const n = onlyConsumer(ix, tensor, outputs);
  return n.opType === 'Cast' ? onlyConsumer(ix, n.outputs[0]!, outputs) : n;
}

/** the scores MatMul in front of the softmax, and the scaling on the way (baddbmm's alpha, a Mul or Div) */
function scoresOf(ix: GraphIndex, ev: ShapeEvaluator, softmax: Node): { scores: Node; scale: number } {
  let scale = 1;
  let t = softmax.inputs[0]!;
  for (let steps = 0; steps < 6; steps++) {
    const p = ix.producer.get(t);
    if (p?.opType === 'MatMul') return { scores: p, scale };
    if (p && (p.opType === 'Mul' || p.opType === 'Div')) {
      const { x, factor } = scalarOperand(ix, ev, p);
      scale *= factor;
      t = x;
    } else if (p?.opType === 'Cast') t = p.inputs[0]!;
    else if (p?.opType === 'Add' && p.inputs.some((i) => isZeroTerm(ix, ev, i))) {
      t = p.inputs.find((i) => !isZeroTerm(ix, ev, i)) ?? '';
    } else throw new Skip(`a ${p?.opType ?? 'graph input'} between the scores and the softmax (a score mask?)`);
  }
  throw new Skip('no scores MatMul');
}

/** the Reshape that gives the attention's result back as [B, S, heads*d], after the probabilities times V */
function mergedOutput(ix: GraphIndex, ev: ShapeEvaluator, pv: Node, q: HeadChain, outputs: Set<string>): Node {
  let t = pv.outputs[0]!;
  if (q.headsInBatch) {
    // batch_to_head_dim: [B*N, S, D] -> [B, N, S, D] -> transpose -> [B, S, N*D]
    const split = onlyConsumer(ix, t, outputs);
    const dims = split.opType === 'Reshape' ? ev.shape(split.outputs[0]!) : undefined;
    const from = ev.shape(t);
    const b = dims?.[0] && dims[1] ? mulSize(dims[0], dims[1]) : undefined;
    if (!dims || dims.length !== 4 || !isNum(dims[1]) || dims[1].c !== q.heads || !from || !sameSize(b, from[0]) || !sameSize(dims[2], from[1])) {
      throw new Skip('the heads are not taken back out of the batch');
    }
    t = split.outputs[0]!;
  }
  const merge = onlyConsumer(ix, t, outputs);
  const flat = merge.opType === 'Transpose' && samePerm(attr(merge, 'perm')?.ints ?? [], [0, 2, 1, 3]) ? onlyConsumer(ix, merge.outputs[0]!, outputs) : undefined;
  const flatShape = flat?.opType === 'Reshape' ? ev.shape(flat.outputs[0]!) : undefined;
  const width = flatShape?.[2];
  if (!flat || !flatShape || flatShape.length !== 3 || !isNum(width) || width.c !== q.heads * q.headDim) throw new Skip('the heads are not merged back to [B, S, C]');
  return flat;
}

/** one attention layer as a MultiHeadAttention node replacing the Reshape that ends it, or Skip */
function fusedNode(ix: GraphIndex, ev: ShapeEvaluator, layer: AttentionLayer, outputs: Set<string>): { replaces: Node; mha: Node; heads: number } {
  const axis = attr(layer.softmax, 'axis')?.i ?? -1;
  const { scores, scale } = scoresOf(ix, ev, layer.softmax);
  const q = headChain(ix, ev, scores.inputs[0]!);
  const k = headChain(ix, ev, scores.inputs[1]!);
  const rank = q.headsInBatch || q.single ? 3 : 4;
  if (axis !== -1 && axis !== rank - 1) throw new Skip(`softmax over axis ${axis}`);
  const pv = nextThroughCast(ix, layer.softmax.outputs[0]!, outputs);
  if (pv.opType !== 'MatMul' || ix.producer.get(pv.inputs[0]!) === undefined || pv.inputs[1] === undefined) throw new Skip('the probabilities do not multiply V');
  const probs = pv.inputs[0]!;
  if (probs !== layer.softmax.outputs[0] && ix.producer.get(probs)?.inputs[0] !== layer.softmax.outputs[0]) throw new Skip('the probabilities do not multiply V');
  const v = headChain(ix, ev, pv.inputs[1]!);
  // Q [B,N,S,D], K^T [B,N,D,S], V [B,N,S,D] from [B,S,N,D]; one unsplit head: Q [B,S,C], K^T [B,C,S], V [B,S,C]
  const [qPerm, kPerm] = q.single ? [IDENTITY4, [0, 1, 3, 2]] : [[0, 2, 1, 3], [0, 2, 3, 1]];
  if (!samePerm(q.perm, qPerm) || !samePerm(k.perm, kPerm) || !samePerm(v.perm, qPerm)) throw new Skip('an unexpected head layout');
  if (q.heads !== k.heads || q.heads !== v.heads || q.headDim !== k.headDim || v.scale !== 1) throw new Skip('inconsistent heads');
  if (q.headsInBatch !== k.headsInBatch || q.headsInBatch !== v.headsInBatch) throw new Skip('heads folded into the batch for some of Q, K, V only');
  if (q.single !== k.single || q.single !== v.single) throw new Skip('heads split for some of Q, K, V only');
  const flat = q.single ? pv : mergedOutput(ix, ev, pv, q, outputs);
  const mha: Node = {
    name: `${layer.name}/MultiHeadAttention`,
    opType: 'MultiHeadAttention',
    domain: 'com.microsoft',
    inputs: [q.source, k.source, v.source],
    outputs: [flat.outputs[0]!],
    attributes: [toAttribute('num_heads', A.i(q.heads)), toAttribute('scale', A.f(q.scale * k.scale * scale))],
  };
  return { replaces: flat, mha, heads: q.heads };
}

/**
 * Rewrites torch-exported attention, softmax(Q K^T * s) V with the heads split by
 * Reshape/Transpose, into com.microsoft MultiHeadAttention on the [B,S,C] projections. Both
 * layouts diffusers exports are recognised: heads as an axis (SDPA, Q and K each scaled by
 * sqrt(scale) computed from Shape ops) and heads folded into the batch (bmm/baddbmm), with
 * reshape targets constant or computed at run time from Shape ops. The projections keep their
 * nodes and names (TAC finds its layers by them); the rest of the attention is replaced.
 * Layers in another layout (a score mask, a head count unknown before run time) are left
 * unfused and listed with why.
 */
export function fuseAttention(original: Model): { model: Model; report: FuseReport } {
  const model = cloneModel(original);
  const g = model.graph;
  const sample = g.inputs.find((v) => v.name === 'sample')?.name ?? g.inputs[0]?.name ?? 'sample';
  const report: FuseReport = { fused: [], skipped: [] };
  const outputs = new Set(g.outputs.map((o) => o.name));
  for (const layer of findAttentionLayers(g, sample)) {
    try {
      const ix = new GraphIndex(g);
      const { replaces, mha, heads } = fusedNode(ix, new ShapeEvaluator(ix), layer, outputs);
      const [nodes, initializers] = [g.nodes, g.initializers];
      g.nodes = g.nodes.map((n) => (n === replaces ? mha : n));
      removeDeadNodes(model);
      const missing = dangling(model);
      if (missing) {
        [g.nodes, g.initializers] = [nodes, initializers];
        throw new Skip(`${missing} is used outside the attention`);
      }
      report.fused.push({ name: layer.name, kind: layer.kind, heads });
    } catch (err) {
      if (!(err instanceof Skip)) throw err;
      report.skipped.push({ name: layer.name, why: err.message });
    }
  }
  if (report.fused.length > 0 && !model.opsetImport.some((o) => o.domain === 'com.microsoft')) model.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  return { model, report };
}
