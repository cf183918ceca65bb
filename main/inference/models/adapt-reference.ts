import { UserError } from '../../common/errors';
import { A, int64Bytes, toAttribute, type AttrValue } from '../onnx/graph-builder';
import { GraphIndex, attr, uniqueNamer } from '../onnx/graph-index';
import { DataType, cloneModel, type DataTypeId, type Model, type Node } from '../onnx/model';
import { selfAttentionByLevel } from './adapt-tac';

export const REF_ROWS_INPUT = 'ref_rows';
export const REF_REGION_INPUT = 'ref_region';
export const REFERENCE_METADATA_KEY = 'r2r.adapt.reference';

export interface ReferenceOptions {
  /** resolution levels whose attn1 also attend to the reference rows (0 = latent resolution); default every level with attn1 */
  levels?: number[];
  /** names the component in errors (default `unet/model.onnx`) */
  what?: string;
}

export interface ReferenceReport {
  levels: number[];
  layers: { name: string; level: number }[];
}

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): Node {
  return { name, opType, domain: '', inputs, outputs, attributes: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)) };
}

/** the float type a projection computes in: its weight's type, or the type it is cast to */
function computeType(ix: GraphIndex, proj: Node): DataTypeId {
  const w = proj.inputs[1]!;
  const t = ix.initializers.get(w) ?? ix.constant(w);
  if (t) return t.dataType;
  return ix.producer.get(w)?.attributes.find((a) => a.name === 'to')?.i ?? DataType.FLOAT;
}

/** ops between a head-split Reshape and the attention MatMuls: head transposes and scaling */
const HEAD_OPS = new Set(['Transpose', 'Mul', 'Div', 'Cast', 'Identity', 'Sqrt']);

/**
 * The [B, T, C] tensor entering the head split behind an operand of an attention MatMul
 * (operand <- Transpose/Mul/... <- Reshape(x, [B, T, heads, d]) <- x), and whether the heads
 * are a separate axis (rank-4 Transpose), which the [B, 1, T, S] bias needs.
 */
function headSplitInput(ix: GraphIndex, tensor: string): { input: string; reshape: Node } | undefined {
  let t = tensor;
  let rank4 = false;
  for (let steps = 0; steps < 8; steps++) {
    const p = ix.producer.get(t);
    if (!p) return undefined;
    if (p.opType === 'Reshape') return rank4 ? { input: p.inputs[0]!, reshape: p } : undefined;
    if (!HEAD_OPS.has(p.opType)) return undefined;
    if (p.opType === 'Transpose') rank4 ||= (attr(p, 'perm')?.ints?.length ?? 0) === 4;
    const dynamic = p.inputs.filter((i) => i && !ix.isStatic(i));
    if (dynamic.length !== 1) return undefined;
    t = dynamic[0]!;
  }
  return undefined;
}

/** a 0 in a Reshape's shape is a zero-length axis (no reference rows), not "copy the input's" */
const ALLOW_ZERO = { allowzero: A.i(1) };

const UNSUPPORTED_HINT =
  'Reference attention adapts unfused attention whose heads are a separate axis (Reshape to [B, T, heads, d], Transpose, MatMul, Softmax), as `optimum-cli export onnx` and `r2r demo-model` write it, ' +
  'and com.microsoft MultiHeadAttention with separate query, key and value (as `r2r models optimize` writes it). ' +
  'Use an unfused export: `optimum-cli export onnx --model <model> --task text-to-image <folder>`.';

/**
 * Reference attention as graph surgery. Every selected attn1 attends over its own tokens and,
 * concatenated along the token axis, the tokens of the reference rows `ref_rows` [R] of the
 * same batch: its key and value inputs [B, T, C] (the tensors entering the head split, so a
 * TAC-mixed key is what is extended) become [B, (1 + R) T, C] with
 *   K_b' = [K_b, K_ref_rows[0], ..., K_ref_rows[R-1]]   (the same for V).
 * `ref_region` [B, R, h, w] (latent resolution) holds, for batch row b and reference r, the
 * weight of r's tokens for each of b's query tokens: max-pooled to each level's token grid
 * (a coarse token is in a region when any latent pixel under it is), it becomes the additive
 * bias log(weight) (0 -> -inf: not at all) on the scaled scores before the Softmax, [B, 1, T, (1 + R) T],
 * the row's own tokens biased 0. With R = 0 (empty ref_rows) every unfused layer computes what
 * it did before, bit for bit (a fused MultiHeadAttention, given the bias as its attention_bias,
 * within float rounding); a reference with weight 0 contributes exactly nothing. The input model
 * is not changed; a graph already adapted for TAC can be adapted too (both inputs present).
 */
export function adaptUnetForReference(original: Model, opts: ReferenceOptions = {}): { model: Model; report: ReferenceReport } {
  const model = cloneModel(original);
  const what = opts.what ?? 'unet/model.onnx';
  const g = model.graph;
  if (g.inputs.some((v) => v.name === REF_ROWS_INPUT)) {
    throw new UserError('already-adapted', `${what} already has a ${REF_ROWS_INPUT} input`, 'Adapt the original export, not an adapted copy.');
  }
  const byLevel = selfAttentionByLevel(model, what);
  const available = [...byLevel.keys()];
  const levels = opts.levels ?? available;
  for (const l of levels) {
    if (!byLevel.has(l)) throw new UserError('bad-option', `${what}: no attn1 layers at resolution level ${l}; levels with attn1: ${available.join(', ')}`);
  }
  const ix = new GraphIndex(g);
  const fresh = uniqueNamer(g);
  const sample = g.inputs.find((v) => v.name === 'sample') ?? g.inputs[0]!;
  g.inputs.push({ name: REF_ROWS_INPUT, elemType: DataType.INT64, shape: ['references'] });
  g.inputs.push({ name: REF_REGION_INPUT, elemType: sample.elemType, shape: ['batch', 'references', 'height', 'width'] });

  const prelude: Node[] = [];
  const op = (base: string, opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, into: Node[] = prelude): string => {
    const out = fresh(`${base}/${opType}_output_0`);
    into.push(node(fresh(`${base}/${opType}`), opType, inputs, [out], attrs));
    return out;
  };
  const ints = (base: string, values: number[], into: Node[] = prelude): string =>
    op(base, 'Constant', [], { value: A.t({ name: '', dataType: DataType.INT64, dims: [values.length], data: int64Bytes(values) }) }, into);
  /** dimension `i` of a shape tensor, as a 1-element int64 tensor */
  const dim = (base: string, shape: string, i: number, into: Node[] = prelude): string => op(base, 'Gather', [shape, ints(`${base}/index`, [i], into)], { axis: A.i(0) }, into);

  const rows = op('/reference/rows', 'Shape', [REF_ROWS_INPUT]);
  const biasAt = new Map<string, string>(); // `${level}:${dtype}` -> [B, 1, T, (1 + R) T]
  const levelBias = (level: number, dtype: DataTypeId): string => {
    const key = `${level}:${dtype}`;
    const have = biasAt.get(key);
    if (have) return have;
    const base = `/reference/bias_level${level}`;
    let w = REF_REGION_INPUT;
    const s0 = op(base, 'Shape', [w]);
    const [B, R, H0, W0] = [0, 1, 2, 3].map((i) => dim(`${base}/in_dim${i}`, s0, i));
    let [H, W] = [H0!, W0!];
    if (level > 0) {
      // pooled as [B R, 1, h, w]: MaxPool refuses zero channels (no references), not a zero batch
      const k = 2 ** level;
      const planes = op(base, 'Reshape', [w, op(`${base}/planes_shape`, 'Concat', [op(`${base}/planes`, 'Mul', [B!, R!]), ints(`${base}/one`, [1]), H, W], { axis: A.i(0) })], ALLOW_ZERO);
      const pooled = op(base, 'MaxPool', [planes], { kernel_shape: A.ints([k, k]), strides: A.ints([k, k]), ceil_mode: A.i(1) });
      const s1 = op(`${base}/pooled`, 'Shape', [pooled]);
      [H, W] = [2, 3].map((i) => dim(`${base}/pooled_dim${i}`, s1, i)) as [string, string];
      w = op(`${base}/pooled`, 'Reshape', [pooled, op(`${base}/pooled_shape`, 'Concat', [B!, R!, H, W], { axis: A.i(0) })], ALLOW_ZERO);
    }
    // [B, R, h, w] -> [B, R, T] -> [B, T, R, 1]: the weight of reference r for query token t
    const T = op(`${base}/tokens`, 'Mul', [H, W]);
    const flat = op(base, 'Reshape', [w, op(`${base}/flat_shape`, 'Concat', [B!, R!, T], { axis: A.i(0) })], ALLOW_ZERO);
    const perToken = op(base, 'Unsqueeze', [op(base, 'Transpose', [flat], { perm: A.ints([0, 2, 1]) }), ints(`${base}/axis3`, [3])]);
    const logW = op(base, 'Log', [perToken]);
    // every token of reference r gets its weight's bias: [B, T, R, T] -> [B, T, R T]
    const spread = op(base, 'Expand', [logW, op(`${base}/spread_shape`, 'Concat', [B!, T, R!, T], { axis: A.i(0) })]);
    const refBias = op(base, 'Reshape', [spread, op(`${base}/ref_shape`, 'Concat', [B!, T, op(`${base}/ref_tokens`, 'Mul', [R!, T])], { axis: A.i(0) })], ALLOW_ZERO);
    // the row's own tokens: bias 0
    const zero = op(`${base}/zero`, 'Constant', [], { value: A.t({ name: '', dataType: sample.elemType, dims: [1], data: new Uint8Array(sample.elemType === DataType.FLOAT16 ? 2 : 4) }) });
    const zeros = op(`${base}/own`, 'Expand', [zero, op(`${base}/own_shape`, 'Concat', [B!, T, T], { axis: A.i(0) })]);
    let bias = op(base, 'Unsqueeze', [op(base, 'Concat', [zeros, refBias], { axis: A.i(2) }), ints(`${base}/axis1`, [1])]);
    if (dtype !== sample.elemType) bias = op(base, 'Cast', [bias], { to: A.i(dtype) });
    biasAt.set(key, bias);
    return bias;
  };

  const after = new Map<Node, Node[]>();
  const place = (producerOf: string, added: Node[]) => {
    const p = ix.producer.get(producerOf);
    if (!p) throw new UserError('bad-model', `${what}: ${producerOf} has no producing node; cannot adapt its attention`);
    after.set(p, [...(after.get(p) ?? []), ...added]);
  };
  /** x [B, T, C] -> [x_b, x_ref_rows[0], ..., x_ref_rows[R-1]] along the token axis, [B, (1 + R) T, C] */
  const extend = (x: string, base: string): { nodes: Node[]; out: string } => {
    const nodes: Node[] = [];
    const s = op(base, 'Shape', [x], {}, nodes);
    const [B, T, C] = [0, 1, 2].map((i) => dim(`${base}/dim${i}`, s, i, nodes));
    const picked = op(base, 'Gather', [x, REF_ROWS_INPUT], { axis: A.i(0) }, nodes);
    const R = dim(`${base}/rows`, rows, 0, nodes);
    const oneRow = op(base, 'Reshape', [picked, op(`${base}/row_shape`, 'Concat', [ints(`${base}/one`, [1], nodes), op(`${base}/ref_tokens`, 'Mul', [R, T!], {}, nodes), C!], { axis: A.i(0) }, nodes)], ALLOW_ZERO, nodes);
    const everyRow = op(base, 'Expand', [oneRow, op(`${base}/expand_shape`, 'Concat', [B!, ints(`${base}/keep`, [1], nodes), ints(`${base}/keep_c`, [1], nodes)], { axis: A.i(0) }, nodes)], {}, nodes);
    const out = op(base, 'Concat', [x, everyRow], { axis: A.i(1) }, nodes);
    return { nodes, out };
  };

  const report: ReferenceReport = { levels, layers: [] };
  for (const level of levels) {
    for (const layer of byLevel.get(level)!) {
      if (!('unfused' in layer)) {
        const f = layer.fused;
        const mha = f.node;
        // MultiHeadAttention with separate Q, K, V: keys and values extended, the bias as its attention_bias [B, 1, T, S]
        if (f.form !== 'mha' || mha.inputs[4] || mha.inputs[5] || mha.inputs.length > 6) {
          throw new UserError('fused-attention', `${what}: attn1 ${layer.name} is fused into a ${mha.opType} node (${f.form}${f.form === 'mha' ? ' with a mask or attention bias' : ''}); reference attention needs separate key and value inputs`, UNSUPPORTED_HINT);
        }
        for (const [slot, which] of [[1, 'k'], [2, 'v']] as const) {
          const tensor = mha.inputs[slot]!;
          const { nodes, out } = extend(tensor, `${layer.name}/reference_${which}`);
          mha.inputs[slot] = out;
          place(tensor, nodes);
        }
        while (mha.inputs.length < 5) mha.inputs.push('');
        mha.inputs[5] = levelBias(level, computeType(ix, f.qProj));
        report.layers.push({ name: layer.name, level });
        continue;
      }
      const u = layer.unfused;
      const scores = ix.producer.get(u.softmax.inputs[0]!);
      const axis = attr(u.softmax, 'axis')?.i ?? -1;
      const scoresMatMul = findScoresMatMul(ix, u.softmax);
      const pv = (ix.consumers.get(u.softmax.outputs[0]!) ?? []).find((n) => n.opType === 'MatMul' && n.inputs[0] === u.softmax.outputs[0]);
      const k = scoresMatMul ? headSplitInput(ix, scoresMatMul.inputs[1]!) : undefined;
      const v = pv ? headSplitInput(ix, pv.inputs[1]!) : undefined;
      if (!scores || !k || !v || (axis !== -1 && axis !== 3)) {
        throw new UserError('attention-unsupported', `${what}: cannot find the key and value head splits of attn1 ${layer.name}`, UNSUPPORTED_HINT);
      }
      const dtype = computeType(ix, u.kProj);
      for (const [split, which] of [[k, 'k'], [v, 'v']] as const) {
        const { nodes, out } = extend(split.input, `${layer.name}/reference_${which}`);
        split.reshape.inputs[0] = out;
        place(split.input, nodes);
      }
      const biased = fresh(`${layer.name}/reference_bias/Add_output_0`);
      const add = node(fresh(`${layer.name}/reference_bias/Add`), 'Add', [u.softmax.inputs[0]!, levelBias(level, dtype)], [biased]);
      u.softmax.inputs[0] = biased;
      place(add.inputs[0]!, [add]);
      report.layers.push({ name: layer.name, level });
    }
  }
  g.nodes = [...prelude, ...g.nodes.flatMap((n) => [n, ...(after.get(n) ?? [])])];
  model.metadataProps = model.metadataProps.filter((p) => p.key !== REFERENCE_METADATA_KEY);
  model.metadataProps.push({ key: REFERENCE_METADATA_KEY, value: JSON.stringify({ version: 1, levels, layers: report.layers.map((l) => l.name) }) });
  return { model, report };
}

/** the MatMul computing Q K^T in front of a Softmax (through scaling and masking) */
function findScoresMatMul(ix: GraphIndex, softmax: Node): Node | undefined {
  let t = softmax.inputs[0]!;
  for (let steps = 0; steps < 6; steps++) {
    const p = ix.producer.get(t);
    if (!p) return undefined;
    if (p.opType === 'MatMul') return p;
    if (!['Mul', 'Div', 'Add', 'Cast', 'Where'].includes(p.opType)) return undefined;
    t = p.inputs.filter((i) => i && !ix.isStatic(i))[0] ?? '';
  }
  return undefined;
}
