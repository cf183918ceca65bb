import { A, floatBytes, toAttribute } from '../../onnx/graph-builder';
import { GraphIndex, attr, uniqueNamer } from '../../onnx/graph-index';
import { DataType, GeneratedBytes, cloneModel, tensorFloats, type Model, type Node, type Tensor } from '../../onnx/model';

const F32 = DataType.FLOAT;
const F16 = DataType.FLOAT16;
type Kind = 'f32' | 'f16' | 'other';

/** ops whose outputs are not floats whatever their inputs */
const NON_FLOAT_OUTPUT = new Set(['Shape', 'Size', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'ArgMax', 'ArgMin', 'NonZero', 'IsNaN', 'IsInf']);
/** inputs that must stay float32 whatever the node computes in */
const FLOAT32_SLOTS: Record<string, number[]> = { Resize: [1, 2], Upsample: [1] };

function toHalf(t: Tensor, name: string): Tensor {
  const byteLength = (t.data.byteLength / 4) * 2;
  return { ...t, name, dataType: F16, data: new GeneratedBytes(byteLength, () => floatBytes(tensorFloats(t), F16)) };
}

export interface Fp16Report {
  /** float32 weights now stored as float16 */
  converted: number;
  /** nodes kept computing in float32 (by the caller's choice), with float16 around them */
  keptFloat32: string[];
}

/**
 * Converts a float32 graph to float16: inputs, outputs, weights and compute, except the nodes
 * `keepFloat32` picks (they get Casts around them) and what float16 would break: Resize's
 * scales, and the float32 islands that start from integers (a Cast of the timestep runs the time
 * embedding in float32 until it meets float16 activations). Weights are converted as they are
 * written, so a big model is never held twice.
 */
export function convertToFloat16(original: Model, keepFloat32: (n: Node) => boolean = () => false): { model: Model; report: Fp16Report } {
  const model = cloneModel(original);
  const g = model.graph;
  const ix = new GraphIndex(g);
  const fresh = uniqueNamer(g);
  const kind = new Map<string, Kind>();
  const flexible = new Map<string, Tensor>(); // float32 constants: adopt the type of the node using them
  const report: Fp16Report = { converted: 0, keptFloat32: [] };
  for (const t of g.initializers) if (t.dataType === F32) flexible.set(t.name, t);
  for (const n of g.nodes) {
    const v = n.opType === 'Constant' ? attr(n, 'value')?.t : undefined;
    if (v?.dataType === F32) flexible.set(n.outputs[0]!, v);
  }
  for (const v of g.inputs) {
    if (flexible.has(v.name)) continue;
    if (v.elemType === F32) v.elemType = F16;
    kind.set(v.name, v.elemType === F16 ? 'f16' : 'other');
  }

  const halfConst = new Map<string, string>();
  const newInits: Tensor[] = [];
  const asHalf = (name: string): string => {
    const have = halfConst.get(name);
    if (have) return have;
    const half = fresh(`${name}_fp16`);
    newInits.push(toHalf(flexible.get(name)!, half));
    report.converted += 1;
    halfConst.set(name, half);
    return half;
  };
  const casts = new Map<string, string>();
  const nodes: Node[] = [];
  const cast = (tensor: string, to: Kind): string => {
    const key = `${tensor}->${to}`;
    const have = casts.get(key);
    if (have) return have;
    const out = fresh(`${tensor}_${to}`);
    nodes.push({ name: fresh(`${tensor}/Cast_${to}`), opType: 'Cast', domain: '', inputs: [tensor], outputs: [out], attributes: [toAttribute('to', A.i(to === 'f16' ? F16 : F32))] });
    casts.set(key, out);
    return out;
  };

  for (const n of g.nodes) {
    if (n.opType === 'Constant' && flexible.has(n.outputs[0]!)) {
      nodes.push(n); // kept for float32 users; unused ones are dropped with the dead nodes
      continue;
    }
    const fixed = FLOAT32_SLOTS[n.opType] ?? [];
    const dyn = n.inputs.filter((i, s) => i && !fixed.includes(s) && (kind.get(i) === 'f32' || kind.get(i) === 'f16'));
    const keep = keepFloat32(n);
    const usesFloatConst = n.inputs.some((i, s) => i && !fixed.includes(s) && flexible.has(i));
    const ct: Kind = keep ? 'f32' : dyn.length > 0 && dyn.every((i) => kind.get(i) === 'f32') ? 'f32' : 'f16';
    n.inputs = n.inputs.map((i, s) => {
      if (!i) return i;
      if (fixed.includes(s)) return i;
      if (flexible.has(i)) return ct === 'f16' ? asHalf(i) : i;
      const k = kind.get(i);
      return (k === 'f32' || k === 'f16') && k !== ct ? cast(i, ct) : i;
    });
    let outKind: Kind = ct;
    if (n.opType === 'Cast') {
      const to = attr(n, 'to')!;
      const fromFloat = dyn.length > 0;
      // a float-to-float cast follows the graph's new type; a cast from integers starts a float32 island
      if (to.i === F32 && fromFloat) to.i = ct === 'f16' ? F16 : F32;
      outKind = to.i === F16 ? 'f16' : to.i === F32 ? 'f32' : 'other';
    } else if (NON_FLOAT_OUTPUT.has(n.opType) || (dyn.length === 0 && !usesFloatConst)) {
      outKind = 'other';
    }
    if (keep && outKind === 'f32') {
      report.keptFloat32.push(n.name);
      const outs = n.outputs;
      n.outputs = outs.map((o) => (o ? fresh(`${o}_fp32`) : o));
      nodes.push(n);
      outs.forEach((o, i) => {
        if (!o) return;
        nodes.push({ name: fresh(`${n.name}/Cast_f16_${i}`), opType: 'Cast', domain: '', inputs: [n.outputs[i]!], outputs: [o], attributes: [toAttribute('to', A.i(F16))] });
        kind.set(o, 'f16');
      });
      continue;
    }
    nodes.push(n);
    for (const o of n.outputs) if (o) kind.set(o, outKind);
  }
  g.nodes = nodes;
  g.initializers.push(...newInits);
  for (const o of g.outputs) {
    const k = kind.get(o.name);
    if (k === 'f16' && o.elemType === F32) o.elemType = F16;
    if (k === 'f32' && o.elemType === F32) {
      // an output computed in a float32 island is still declared float16, like the rest of the graph
      const inner = fresh(`${o.name}_fp32`);
      const producer = ix.producer.get(o.name) ?? g.nodes.find((n) => n.outputs.includes(o.name));
      if (producer) {
        producer.outputs = producer.outputs.map((x) => (x === o.name ? inner : x));
        g.nodes.push({ name: fresh(`${o.name}/Cast_f16`), opType: 'Cast', domain: '', inputs: [inner], outputs: [o.name], attributes: [toAttribute('to', A.i(F16))] });
        o.elemType = F16;
      }
    }
  }
  g.valueInfo = [];
  return { model, report };
}
