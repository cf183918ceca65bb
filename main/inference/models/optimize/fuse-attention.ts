import { A, toAttribute } from '../../onnx/graph-builder';
import { GraphIndex, attr } from '../../onnx/graph-index';
import { cloneModel, type Model, type Node } from '../../onnx/model';
import { findAttentionLayers } from '../attention-layers';

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
  /** the 4-d transposes along the chain, composed */
  perm: number[];
  scale: number;
  nodes: Node[];
}

/**
 * Walks from a Q, K or V operand of the attention back to its [B,S,C] projection output:
 * a head split (Reshape to [b,s,N,d]), transposes, and scalar scalings, nothing else.
 */
function headChain(ix: GraphIndex, tensor: string): HeadChain {
  const chain: HeadChain = { source: tensor, heads: 0, perm: IDENTITY4, scale: 1, nodes: [] };
  let t = tensor;
  for (let steps = 0; steps < 8; steps++) {
    const p = ix.producer.get(t);
    if (!p) throw new Skip('no projection');
    if (p.opType === 'Transpose') {
      const perm = attr(p, 'perm')?.ints ?? [];
      if (perm.length !== 4) throw new Skip(`a ${perm.length}-d transpose`);
      chain.perm = chain.perm.map((i) => perm[i]!);
    } else if (p.opType === 'Reshape') {
      const shape = ix.constInts(p.inputs[1]!);
      if (!shape || shape.length !== 4 || !(shape[2]! > 0)) throw new Skip('the head split is not a constant Reshape to [b, s, heads, d]');
      chain.heads = shape[2]!;
    } else if (p.opType === 'Mul' || p.opType === 'Div') {
      const [x, c] = ix.isStatic(p.inputs[1]!) ? [p.inputs[0]!, p.inputs[1]!] : [p.inputs[1]!, p.inputs[0]!];
      const v = ix.constFloats(c);
      if (!v || v.length !== 1 || (p.opType === 'Div' && c !== p.inputs[1])) throw new Skip('a scaling that is not a scalar constant');
      chain.scale *= p.opType === 'Mul' ? v[0]! : 1 / v[0]!;
      chain.nodes.push(p);
      t = x;
      continue;
    } else break;
    chain.nodes.push(p);
    t = p.inputs[0]!;
  }
  if (chain.heads === 0) throw new Skip('no head split');
  chain.source = t;
  return chain;
}

function onlyConsumer(ix: GraphIndex, tensor: string, outputs: Set<string>): Node {
  const c = ix.consumers.get(tensor) ?? [];
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

/**
 * Rewrites torch-exported attention, softmax(Q K^T * s) V with the heads split by
 * Reshape/Transpose, into com.microsoft MultiHeadAttention on the [B,S,C] projections. The
 * projections keep their nodes and names (TAC finds its layers by them); the rest of the
 * attention is replaced. Layers in another layout (a score mask, heads folded into the batch)
 * are left unfused and listed.
 */
export function fuseAttention(original: Model): { model: Model; report: FuseReport } {
  const model = cloneModel(original);
  const g = model.graph;
  const ix = new GraphIndex(g);
  const outputs = new Set(g.outputs.map((o) => o.name));
  const sample = g.inputs.find((v) => v.name === 'sample')?.name ?? g.inputs[0]?.name ?? 'sample';
  const report: FuseReport = { fused: [], skipped: [] };
  const replacement = new Map<Node, Node>();
  for (const layer of findAttentionLayers(g, sample)) {
    try {
      const axis = attr(layer.softmax, 'axis')?.i ?? -1;
      if (axis !== -1 && axis !== 3) throw new Skip(`softmax over axis ${axis}`);
      let scale = 1;
      let t = layer.softmax.inputs[0]!;
      let scores: Node | undefined;
      for (let steps = 0; steps < 4 && !scores; steps++) {
        const p = ix.producer.get(t);
        if (p?.opType === 'MatMul') scores = p;
        else if (p && (p.opType === 'Mul' || p.opType === 'Div')) {
          const v = ix.constFloats(p.inputs[1]!);
          if (!v || v.length !== 1) throw new Skip('a score scaling that is not a scalar constant');
          scale *= p.opType === 'Mul' ? v[0]! : 1 / v[0]!;
          t = p.inputs[0]!;
        } else throw new Skip(`a ${p?.opType ?? 'graph input'} between the scores and the softmax (a score mask?)`);
      }
      if (!scores) throw new Skip('no scores MatMul');
      const q = headChain(ix, scores.inputs[0]!);
      const k = headChain(ix, scores.inputs[1]!);
      const pv = onlyConsumer(ix, layer.softmax.outputs[0]!, outputs);
      if (pv.opType !== 'MatMul' || pv.inputs[0] !== layer.softmax.outputs[0]) throw new Skip('the probabilities do not multiply V');
      const v = headChain(ix, pv.inputs[1]!);
      if (!samePerm(q.perm, [0, 2, 1, 3]) || !samePerm(k.perm, [0, 2, 3, 1]) || !samePerm(v.perm, [0, 2, 1, 3])) throw new Skip('an unexpected head layout');
      if (q.heads !== k.heads || q.heads !== v.heads || v.scale !== 1) throw new Skip('inconsistent heads');
      const merge = onlyConsumer(ix, pv.outputs[0]!, outputs);
      const flat = merge.opType === 'Transpose' && samePerm(attr(merge, 'perm')?.ints ?? [], [0, 2, 1, 3]) ? onlyConsumer(ix, merge.outputs[0]!, outputs) : undefined;
      const flatShape = flat?.opType === 'Reshape' ? ix.constInts(flat.inputs[1]!) : undefined;
      if (!flat || !flatShape || flatShape.length !== 3) throw new Skip('the heads are not merged back to [B, S, C]');
      const mha: Node = {
        name: `${layer.name}/MultiHeadAttention`,
        opType: 'MultiHeadAttention',
        domain: 'com.microsoft',
        inputs: [q.source, k.source, v.source],
        outputs: [flat.outputs[0]!],
        attributes: [toAttribute('num_heads', A.i(q.heads)), toAttribute('scale', A.f(q.scale * k.scale * scale))],
      };
      replacement.set(flat, mha);
      report.fused.push({ name: layer.name, kind: layer.kind, heads: q.heads });
    } catch (err) {
      if (!(err instanceof Skip)) throw err;
      report.skipped.push({ name: layer.name, why: err.message });
    }
  }
  g.nodes = g.nodes.map((n) => replacement.get(n) ?? n);
  if (report.fused.length > 0) {
    removeDeadNodes(model);
    if (!model.opsetImport.some((o) => o.domain === 'com.microsoft')) model.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  }
  return { model, report };
}
