import { A, toAttribute } from '../../onnx/graph-builder';
import { GraphIndex, attr } from '../../onnx/graph-index';
import { cloneModel, type Model, type Node, type Tensor } from '../../onnx/model';
import { removeDeadNodes } from './fuse-attention';

export interface NormFuseReport {
  /** decomposed LayerNorms (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add) now one LayerNormalization */
  layerNorms: number;
  /** erf GELUs (x * 0.5 * (1 + erf(x / sqrt 2))) now one com.microsoft Gelu */
  gelus: number;
  /** tanh GELUs (0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))) now one com.microsoft FastGelu */
  fastGelus: number;
  /** candidates that start like a pattern but differ from it, with why */
  skipped: { name: string; why: string }[];
  /** GroupNorm decompositions (Reshape, InstanceNormalization, Reshape) left as they are */
  groupNorms: { left: number; why: string };
}

/**
 * onnxruntime 1.30's CPU provider has no com.microsoft GroupNorm kernel (a session refuses the
 * model), and ONNX GroupNormalization needs opset 18, where ReduceMean and other ops of an
 * opset-14 export change their signature.
 */
export const GROUP_NORM_WHY = 'com.microsoft GroupNorm has no CPU kernel in onnxruntime 1.30 and ONNX GroupNormalization needs opset 18';

class Skip extends Error {}

const near = (a: number | undefined, b: number, tol = 1e-6) => a !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const scopeOf = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf('/')));

class Matcher {
  readonly outputs: Set<string>;
  constructor(readonly ix: GraphIndex) {
    this.outputs = new Set(ix.graph.outputs.map((o) => o.name));
  }

  /** the one node reading `tensor`, which must be of `opType` and not a graph output */
  only(tensor: string, opType: string): Node {
    const c = this.ix.consumers.get(tensor) ?? [];
    if (c.length !== 1 || this.outputs.has(tensor)) throw new Skip(`${tensor} is used outside the pattern`);
    if (c[0]!.opType !== opType) throw new Skip(`a ${c[0]!.opType} where the pattern has ${opType}`);
    return c[0]!;
  }

  /** for a binary node with `x` as one operand: the other operand's scalar constant value */
  scalarBeside(n: Node, x: string): number | undefined {
    const other = n.inputs[0] === x ? n.inputs[1] : n.inputs[1] === x ? n.inputs[0] : undefined;
    const v = other === undefined ? undefined : this.ix.constFloats(other);
    return v && v.length === 1 ? v[0] : undefined;
  }

  /** torch shares equal weights through Identity nodes (an all-ones gamma of several LayerNorms) */
  private constantThroughIdentity(name: string): Tensor | undefined {
    const p = this.ix.producer.get(name);
    return this.ix.constant(name) ?? (p?.opType === 'Identity' ? this.ix.constant(p.inputs[0]!) : undefined);
  }

  /** the other operand of a binary node, which must be a 1-d constant (a LayerNorm's gamma or beta) */
  vectorBeside(n: Node, x: string): string {
    const other = n.inputs[0] === x ? n.inputs[1] : n.inputs[1] === x ? n.inputs[0] : undefined;
    const t = other === undefined ? undefined : this.constantThroughIdentity(other);
    if (!other || !t || t.dims.length !== 1) throw new Skip('the scale or shift is not a 1-d constant');
    return other;
  }
}

function reducesLastAxis(n: Node): boolean {
  const axes = attr(n, 'axes')?.ints;
  const keep = attr(n, 'keepdims')?.i ?? 1;
  return n.inputs.length === 1 && keep === 1 && axes?.length === 1 && axes[0] === -1;
}

function layerNormAt(m: Matcher, mean: Node): { replaces: Node; node: Node } {
  const x = mean.inputs[0]!;
  const sub = m.only(mean.outputs[0]!, 'Sub');
  if (sub.inputs[0] !== x || sub.inputs[1] !== mean.outputs[0]) throw new Skip('the Sub is not x - mean(x)');
  const centred = m.ix.consumers.get(sub.outputs[0]!) ?? [];
  const pow = centred.find((n) => n.opType === 'Pow');
  const div = centred.find((n) => n.opType === 'Div');
  if (centred.length !== 2 || !pow || !div || m.outputs.has(sub.outputs[0]!)) throw new Skip('x - mean(x) feeds more than the variance and the division');
  if (pow.inputs[0] !== sub.outputs[0] || m.ix.constFloats(pow.inputs[1]!)?.[0] !== 2) throw new Skip('the variance is not a square');
  const variance = m.only(pow.outputs[0]!, 'ReduceMean');
  if (!reducesLastAxis(variance)) throw new Skip('the variance is not a mean over the last axis');
  const addEps = m.only(variance.outputs[0]!, 'Add');
  const eps = m.scalarBeside(addEps, variance.outputs[0]!);
  if (eps === undefined || !(eps > 0)) throw new Skip('epsilon is not a positive scalar constant');
  const sqrt = m.only(addEps.outputs[0]!, 'Sqrt');
  if (m.only(sqrt.outputs[0]!, 'Div') !== div || div.inputs[0] !== sub.outputs[0]) throw new Skip('the division is not (x - mean) / sqrt(var + eps)');
  const scale = m.only(div.outputs[0]!, 'Mul');
  const gamma = m.vectorBeside(scale, div.outputs[0]!);
  const shift = m.only(scale.outputs[0]!, 'Add');
  const beta = m.vectorBeside(shift, scale.outputs[0]!);
  const node: Node = {
    name: `${scopeOf(mean.name)}/LayerNormalization`,
    opType: 'LayerNormalization',
    domain: '',
    inputs: [x, gamma, beta],
    outputs: [shift.outputs[0]!],
    attributes: [toAttribute('axis', A.i(-1)), toAttribute('epsilon', A.f(eps))],
  };
  return { replaces: shift, node };
}

function geluAt(m: Matcher, erf: Node): { replaces: Node; node: Node } {
  const scaled = m.ix.producer.get(erf.inputs[0]!);
  if (!scaled || (scaled.opType !== 'Div' && scaled.opType !== 'Mul')) throw new Skip('the erf input is not x / sqrt(2)');
  const x = scaled.inputs[0]!;
  const c = m.scalarBeside(scaled, x);
  const byRootTwo = scaled.opType === 'Div' ? near(c, Math.SQRT2) : near(c, Math.SQRT1_2);
  if (!byRootTwo) throw new Skip('the erf input is not x / sqrt(2)');
  m.only(scaled.outputs[0]!, 'Erf');
  const plusOne = m.only(erf.outputs[0]!, 'Add');
  if (!near(m.scalarBeside(plusOne, erf.outputs[0]!), 1)) throw new Skip('erf is not shifted by 1');
  const times = m.only(plusOne.outputs[0]!, 'Mul');
  const other = times.inputs[0] === plusOne.outputs[0] ? times.inputs[1] : times.inputs[0];
  if (other !== x) throw new Skip('1 + erf does not multiply x');
  const half = m.only(times.outputs[0]!, 'Mul');
  if (!near(m.scalarBeside(half, times.outputs[0]!), 0.5)) throw new Skip('the product is not halved');
  const node: Node = { name: `${scopeOf(erf.name)}/Gelu`, opType: 'Gelu', domain: 'com.microsoft', inputs: [x], outputs: [half.outputs[0]!], attributes: [] };
  return { replaces: half, node };
}

/** x^3 written as Pow(x, 3) or x * (x * x) */
function isCube(m: Matcher, t: string, x: string): boolean {
  const p = m.ix.producer.get(t);
  if (p?.opType === 'Pow') return p.inputs[0] === x && m.ix.constFloats(p.inputs[1]!)?.[0] === 3;
  if (p?.opType !== 'Mul' || !p.inputs.includes(x)) return false;
  const sq = m.ix.producer.get(p.inputs[0] === x ? p.inputs[1]! : p.inputs[0]!);
  return sq?.opType === 'Mul' && sq.inputs[0] === x && sq.inputs[1] === x && (m.ix.consumers.get(sq.outputs[0]!) ?? []).length === 1;
}

function fastGeluAt(m: Matcher, tanh: Node): { replaces: Node; node: Node } {
  const scaled = m.ix.producer.get(tanh.inputs[0]!);
  const inner = scaled?.opType === 'Mul' ? scaled.inputs.find((i) => m.ix.producer.get(i)?.opType === 'Add') : undefined;
  if (!scaled || !inner || !near(m.scalarBeside(scaled, inner), Math.sqrt(2 / Math.PI))) throw new Skip('the tanh input is not sqrt(2/pi) (x + 0.044715 x^3)');
  m.only(inner, 'Mul');
  m.only(scaled.outputs[0]!, 'Tanh');
  const sum = m.ix.producer.get(inner)!;
  const x = sum.inputs.find((cand) => {
    const k = m.ix.producer.get(sum.inputs[0] === cand ? sum.inputs[1]! : sum.inputs[0]!);
    if (k?.opType !== 'Mul') return false;
    const cube = k.inputs.find((i) => isCube(m, i, cand));
    return cube !== undefined && near(m.scalarBeside(k, cube), 0.044715) && (m.ix.consumers.get(cube) ?? []).length === 1 && (m.ix.consumers.get(k.outputs[0]!) ?? []).length === 1;
  });
  if (x === undefined) throw new Skip('the tanh input is not sqrt(2/pi) (x + 0.044715 x^3)');
  const plusOne = m.only(tanh.outputs[0]!, 'Add');
  if (!near(m.scalarBeside(plusOne, tanh.outputs[0]!), 1)) throw new Skip('tanh is not shifted by 1');
  const times = m.only(plusOne.outputs[0]!, 'Mul');
  const other = times.inputs[0] === plusOne.outputs[0] ? times.inputs[1]! : times.inputs[0]!;
  let replaces: Node;
  if (other === x) {
    replaces = m.only(times.outputs[0]!, 'Mul');
    if (!near(m.scalarBeside(replaces, times.outputs[0]!), 0.5)) throw new Skip('the product is not halved');
  } else {
    const halfX = m.ix.producer.get(other);
    if (halfX?.opType !== 'Mul' || !near(m.scalarBeside(halfX, x), 0.5) || m.only(other, 'Mul') !== times) throw new Skip('1 + tanh does not multiply x / 2');
    replaces = times;
  }
  const node: Node = { name: `${scopeOf(tanh.name)}/FastGelu`, opType: 'FastGelu', domain: 'com.microsoft', inputs: [x], outputs: [replaces.outputs[0]!], attributes: [] };
  return { replaces, node };
}

function countGroupNorms(ix: GraphIndex): number {
  return ix.graph.nodes.filter((n) => {
    if (n.opType !== 'InstanceNormalization') return false;
    const before = ix.producer.get(n.inputs[0]!);
    const after = ix.consumers.get(n.outputs[0]!) ?? [];
    return before?.opType === 'Reshape' && after.length === 1 && after[0]!.opType === 'Reshape';
  }).length;
}

/**
 * Rewrites torch's opset<17 LayerNorm decomposition into LayerNormalization (onnxruntime runs
 * it on every provider, at any opset, through its own schema), the erf GELU into com.microsoft
 * Gelu and the tanh GELU into com.microsoft FastGelu (CPU, CUDA, DirectML kernels). Only exact matches are rewritten; the new
 * nodes are named by the module the pattern came from (`.../norm1/LayerNormalization`), as
 * an opset-17 export names them.
 */
export function fuseNorms(original: Model): { model: Model; report: NormFuseReport } {
  const model = cloneModel(original);
  const ix = new GraphIndex(model.graph);
  const m = new Matcher(ix);
  const report: NormFuseReport = { layerNorms: 0, gelus: 0, fastGelus: 0, skipped: [], groupNorms: { left: countGroupNorms(ix), why: GROUP_NORM_WHY } };
  const replacement = new Map<Node, Node>();
  for (const n of model.graph.nodes) {
    const isNormStart = n.opType === 'ReduceMean' && reducesLastAxis(n) && (ix.consumers.get(n.outputs[0]!) ?? []).some((c) => c.opType === 'Sub');
    const kind = isNormStart ? 'layerNorms' : n.opType === 'Erf' ? 'gelus' : n.opType === 'Tanh' ? 'fastGelus' : undefined;
    if (!kind) continue;
    try {
      const { replaces, node } = kind === 'layerNorms' ? layerNormAt(m, n) : kind === 'gelus' ? geluAt(m, n) : fastGeluAt(m, n);
      if (replacement.has(replaces)) throw new Skip('overlaps another match');
      replacement.set(replaces, node);
      report[kind]++;
    } catch (err) {
      if (!(err instanceof Skip)) throw err;
      report.skipped.push({ name: n.name, why: err.message });
    }
  }
  model.graph.nodes = model.graph.nodes.map((n) => replacement.get(n) ?? n);
  if (replacement.size > 0) removeDeadNodes(model);
  if (report.gelus + report.fastGelus > 0 && !model.opsetImport.some((o) => o.domain === 'com.microsoft')) model.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  return { model, report };
}
