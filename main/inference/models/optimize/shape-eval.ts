import { GraphIndex, attr } from '../../onnx/graph-index';
import { DataType, tensorFloats, tensorInts, type Tensor } from '../../onnx/model';

/**
 * A size as a monomial `c * s1 * s2 ...` of run-time sizes (`batch`, a sequence length): enough
 * to tell `[B*N, S, D]` from `[B, N*S, D]` when torch exports compute reshape shapes at run time.
 */
export interface Size {
  c: number;
  /** the run-time sizes multiplied in, sorted */
  s: string[];
}

export const num = (c: number): Size => ({ c, s: [] });
const sym = (name: string): Size => ({ c: 1, s: [name] });
export const isNum = (a: Size | undefined): a is Size => a !== undefined && a.s.length === 0;
export const sameSize = (a: Size | undefined, b: Size | undefined): boolean =>
  a !== undefined && b !== undefined && a.c === b.c && a.s.length === b.s.length && a.s.every((v, i) => v === b.s[i]);
export const mulSize = (a: Size, b: Size): Size => ({ c: a.c * b.c, s: [...a.s, ...b.s].sort() });

/** a / b when it is a whole monomial (b's run-time sizes all in a), else undefined */
export function divSize(a: Size, b: Size): Size | undefined {
  if (b.c === 0 || !Number.isInteger(a.c / b.c)) return undefined;
  const rest = [...a.s];
  for (const s of b.s) {
    const at = rest.indexOf(s);
    if (at < 0) return undefined;
    rest.splice(at, 1);
  }
  return { c: a.c / b.c, s: rest };
}

/** a shape tensor or scalar computed from constants and shapes; undefined elements are unknown */
interface Vec {
  v: (Size | undefined)[];
  scalar: boolean;
  float: boolean;
}

/** the run-time Shape of a tensor whose shape could not be inferred: only its elements can be named */
interface Opaque {
  shapeOf: string;
}

type Value = Vec | Opaque;

const isVec = (x: Value | undefined): x is Vec => x !== undefined && 'v' in x;
const FLOAT_TYPES: number[] = [DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE];
const SAME_SHAPE = new Set([
  'Identity', 'Cast', 'Softmax', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Sqrt', 'Neg', 'Exp', 'Gelu', 'FastGelu', 'Dropout',
  'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'SkipLayerNormalization', 'BiasGelu', 'Mish', 'Softplus',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'Greater', 'And', 'Or', 'Xor', 'Mod']);

function broadcast(a: (Size | undefined)[], b: (Size | undefined)[]): (Size | undefined)[] {
  const n = Math.max(a.length, b.length);
  const out: (Size | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i];
    const y = b[b.length - n + i];
    if (a.length - n + i < 0) out.push(y);
    else if (b.length - n + i < 0) out.push(x);
    else if (isNum(x) && x.c === 1) out.push(y);
    else if (isNum(y) && y.c === 1) out.push(x);
    else out.push(isNum(y) && !isNum(x) ? y : (x ?? y));
  }
  return out;
}

function arith(op: string, a: Size | undefined, b: Size | undefined, float: boolean): Size | undefined {
  // a false operand decides And, a true one Or (torch's `//` fix-up for negative sizes)
  if ((op === 'And' || op === 'Or') && [a, b].some((x) => isNum(x) && Boolean(x.c) === (op === 'Or'))) return num(Number(op === 'Or'));
  if (!a || !b) return undefined;
  // sizes are never negative
  if ((op === 'Less' && a.c > 0 && isNum(b) && b.c <= 0) || (op === 'Greater' && b.c > 0 && isNum(a) && a.c <= 0)) return num(0);
  if ((op === 'Add' || op === 'Sub') && a.s.length > 0 && sameSize({ c: 1, s: a.s }, { c: 1, s: b.s })) return { c: op === 'Add' ? a.c + b.c : a.c - b.c, s: a.c === b.c && op === 'Sub' ? [] : a.s };
  if (op === 'Mul') return mulSize(a, b);
  if (op === 'Div') {
    if (float) return isNum(a) && isNum(b) ? num(a.c / b.c) : undefined;
    if (isNum(a) && isNum(b)) return b.c === 0 ? undefined : num(Math.trunc(a.c / b.c));
    return divSize(a, b);
  }
  if (!isNum(a) || !isNum(b)) return op === 'Equal' && sameSize(a, b) ? num(1) : undefined;
  const [x, y] = [a.c, b.c];
  const r: Record<string, number> = {
    Add: x + y,
    Sub: x - y,
    Pow: x ** y,
    Equal: Number(x === y),
    Less: Number(x < y),
    Greater: Number(x > y),
    And: Number(Boolean(x) && Boolean(y)),
    Or: Number(Boolean(x) || Boolean(y)),
    Xor: Number(Boolean(x) !== Boolean(y)),
    Mod: float ? x % y : ((x % y) + y) % y,
  };
  return num(r[op]!);
}

function unary(op: string, a: Size | undefined): Size | undefined {
  if (op === 'Identity') return a;
  if (!isNum(a)) return undefined;
  const f: Record<string, (x: number) => number> = {
    Sqrt: Math.sqrt,
    Reciprocal: (x) => 1 / x,
    Neg: (x) => -x,
    Floor: Math.floor,
    Ceil: Math.ceil,
    Abs: Math.abs,
    Not: (x) => Number(!x),
  };
  return f[op] ? num(f[op](a.c)) : undefined;
}

/**
 * Constants with more elements than this are not folded: shape arithmetic only ever needs
 * scalars and shape vectors, and expanding a weight into one object per element would put a
 * whole UNet's weights on the JS heap (and generate deferred demo weights) once per evaluator.
 */
const MAX_FOLDED_ELEMENTS = 1024;

function constantValue(t: Tensor): Vec | undefined {
  if (t.dims.reduce((a, b) => a * b, 1) > MAX_FOLDED_ELEMENTS) return undefined;
  const float = FLOAT_TYPES.includes(t.dataType);
  try {
    const values = float ? Array.from(tensorFloats(t)) : tensorInts(t);
    return { v: values.map(num), scalar: t.dims.length === 0, float };
  } catch {
    return undefined;
  }
}

/**
 * Static shapes and shape arithmetic of a graph, as far as they follow from its inputs' declared
 * dims and its weights: torch exports compute reshape targets and attention scales from Shape
 * ops (Shape -> Gather -> Unsqueeze -> Concat, Shape -> Slice -> Cast -> Sqrt -> Div), and this
 * folds them. Sizes unknown before run time stay symbolic.
 */
export class ShapeEvaluator {
  private shapes = new Map<string, (Size | undefined)[] | undefined>();
  private values = new Map<string, Value | undefined>();

  constructor(readonly ix: GraphIndex) {}

  /** a scalar (or one-element) number a static tensor evaluates to */
  scalar(t: string): number | undefined {
    const v = this.value(t);
    return isVec(v) && v.v.length === 1 && isNum(v.v[0]) ? v.v[0].c : undefined;
  }

  /** every element of a static tensor as a number, when all are known */
  numbers(t: string): number[] | undefined {
    const v = this.value(t);
    return isVec(v) && v.v.every(isNum) ? v.v.map((s) => s!.c) : undefined;
  }

  shape(t: string): (Size | undefined)[] | undefined {
    if (this.shapes.has(t)) return this.shapes.get(t);
    this.shapes.set(t, undefined); // cycles (none in a valid graph) end here
    const s = this.inferShape(t);
    this.shapes.set(t, s);
    return s;
  }

  value(t: string): Value | undefined {
    if (!t) return undefined;
    if (this.values.has(t)) return this.values.get(t);
    this.values.set(t, undefined);
    const v = this.evaluate(t);
    this.values.set(t, v);
    return v;
  }

  private inferShape(t: string): (Size | undefined)[] | undefined {
    const c = this.ix.constant(t);
    if (c) return c.dims.map(num);
    const input = this.ix.graph.inputs.find((v) => v.name === t);
    if (input) return input.shape?.map((d, i) => (typeof d === 'number' ? num(d) : sym(d || `${t}#${i}`)));
    const p = this.ix.producer.get(t);
    if (!p) return undefined;
    const [x, y] = p.inputs;
    if (SAME_SHAPE.has(p.opType)) return this.shape(x!);
    if (BINARY.has(p.opType)) {
      const a = this.shape(x!);
      const b = this.shape(y!);
      // a residual or bias add: the side whose shape is known (a bias, an embedding) broadcasts into it
      return a && b ? broadcast(a, b) : (a ?? b);
    }
    if (p.opType === 'MatMul') {
      const a = this.shape(x!);
      const b = this.shape(y!);
      if (!a || !b || a.length < 2 || b.length < 2) return undefined;
      return [...broadcast(a.slice(0, -2), b.slice(0, -2)), a.at(-2), b.at(-1)];
    }
    if (p.opType === 'Transpose') {
      const a = this.shape(x!);
      if (!a) return undefined;
      const perm = attr(p, 'perm')?.ints ?? a.map((_, i) => a.length - 1 - i);
      return perm.map((i) => a[i]);
    }
    if (p.opType === 'Reshape') return this.reshaped(t, this.shape(x!), this.value(y!), (attr(p, 'allowzero')?.i ?? 0) !== 0);
    if (p.opType === 'Conv') {
      const a = this.shape(x!);
      const w = this.ix.constant(y!);
      if (!w) return undefined;
      return [a?.[0] ?? sym(`${t}#0`), num(w.dims[0]!), ...w.dims.slice(2).map((_, i) => sym(`${t}#${i + 2}`))];
    }
    if (p.opType === 'Resize' || p.opType === 'Upsample') {
      const a = this.shape(x!);
      return a?.map((d, i) => (i < 2 ? d : sym(`${t}#${i}`)));
    }
    if (p.opType === 'Concat') {
      const parts = p.inputs.map((i) => this.shape(i));
      if (!parts.every((s) => s && s.length === parts[0]!.length)) return undefined;
      const rank = parts[0]!.length;
      const axis = ((attr(p, 'axis')?.i ?? 0) + rank) % rank;
      const along = parts.map((s) => s![axis]);
      const sum = along.every(isNum) ? num(along.reduce((acc, d) => acc + d!.c, 0)) : sym(`${t}#${axis}`);
      return parts[0]!.map((d, i) => (i === axis ? sum : d));
    }
    if (p.opType === 'Split' || p.opType === 'Slice') {
      const a = this.shape(x!);
      if (!a) return undefined;
      const axis = p.opType === 'Split' ? attr(p, 'axis')?.i ?? 0 : (this.numbers(p.inputs[3] ?? '')?.[0] ?? 0);
      const at = (axis + a.length) % a.length;
      const part = a[at];
      const pieces = p.opType === 'Split' ? (this.numbers(p.inputs[1] ?? '') ?? attr(p, 'split')?.ints) : undefined;
      const index = p.outputs.indexOf(t);
      const size = pieces ? num(pieces[index]!) : isNum(part) && p.opType === 'Split' ? num(part.c / p.outputs.length) : sym(`${t}#${at}`);
      return a.map((d, i) => (i === at ? size : d));
    }
    if (p.opType === 'Shape') {
      const v = this.value(t);
      return isVec(v) ? [num(v.v.length)] : undefined;
    }
    return undefined;
  }

  private reshaped(t: string, input: (Size | undefined)[] | undefined, spec: Value | undefined, allowZero: boolean): (Size | undefined)[] | undefined {
    if (!isVec(spec)) return undefined;
    const out = spec.v.map((d, i): Size | undefined => {
      if (isNum(d) && d.c === 0 && !allowZero) return input?.[i];
      if (isNum(d) && d.c === -1) return undefined;
      return d;
    });
    const unknown = spec.v.findIndex((d) => isNum(d) && d.c === -1);
    if (unknown >= 0) {
      let total: Size | undefined = input?.every((d) => d) ? input.reduce<Size>((a, d) => mulSize(a, d!), num(1)) : undefined;
      for (const [i, d] of out.entries()) if (i !== unknown) total = total && d ? divSize(total, d) : undefined;
      out[unknown] = total;
    }
    return out.map((d, i) => d ?? sym(`${t}#${i}`));
  }

  private evaluate(t: string): Value | undefined {
    const c = this.ix.constant(t);
    if (c) return constantValue(c);
    const p = this.ix.producer.get(t);
    if (!p) return undefined;
    if (p.opType === 'Shape') {
      // a shape needs only its input's shape, not its value (evaluating that would walk the whole graph above)
      const s = this.shape(p.inputs[0]!);
      const start = attr(p, 'start')?.i;
      const end = attr(p, 'end')?.i;
      if (!s) return start === undefined && end === undefined ? { shapeOf: p.inputs[0]! } : undefined;
      return { v: s.slice(start ?? 0, end ?? s.length), scalar: false, float: false };
    }
    const ins = p.inputs.map((i) => this.value(i));
    const [a, b] = ins;
    switch (p.opType) {
      case 'Gather': {
        if ((attr(p, 'axis')?.i ?? 0) !== 0 || !isVec(b) || !b.v.every(isNum)) return undefined;
        const idx = b.v.map((s) => s!.c);
        if (isVec(a)) return { v: idx.map((i) => a.v[i < 0 ? a.v.length + i : i]), scalar: b.scalar, float: a.float };
        if (a) return { v: idx.map((i) => sym(`${a.shapeOf}#${i}`)), scalar: b.scalar, float: false };
        return undefined;
      }
      case 'Slice': {
        const [starts, ends, axes, steps] = [ins[1], ins[2], ins[3], ins[4]];
        if (!isVec(starts) || !isVec(ends) || starts.v.length !== 1 || !isNum(starts.v[0]) || !isNum(ends.v[0])) return undefined;
        if ((isVec(axes) && axes.v[0]?.c !== 0) || (isVec(steps) && steps.v[0]?.c !== 1)) return undefined;
        const [s0, e0] = [starts.v[0].c, ends.v[0]!.c];
        if (isVec(a)) {
          const n = a.v.length;
          const clamp = (i: number) => Math.min(n, Math.max(0, i < 0 ? n + i : i));
          return { v: a.v.slice(clamp(s0), clamp(e0)), scalar: false, float: a.float };
        }
        if (a && s0 === -1 && e0 >= 2 ** 31) return { v: [sym(`${a.shapeOf}#-1`)], scalar: false, float: false };
        return undefined;
      }
      case 'Unsqueeze':
      case 'Squeeze':
        if (!isVec(a) || a.v.length !== 1) return undefined;
        return { ...a, scalar: p.opType === 'Squeeze' };
      case 'Concat':
        if (!ins.every(isVec)) return undefined;
        return { v: (ins as Vec[]).flatMap((x) => x.v), scalar: false, float: (ins[0] as Vec).float };
      case 'Cast': {
        if (!isVec(a)) return undefined;
        const float = FLOAT_TYPES.includes(attr(p, 'to')?.i ?? 0);
        const v = a.v.map((s) => (float || !isNum(s) ? s : num(Math.trunc(s.c))));
        return { v: float && !a.float ? v.map((s) => (isNum(s) ? s : undefined)) : v, scalar: a.scalar, float };
      }
      case 'ConstantOfShape':
        return undefined;
      case 'Where': {
        const [cond, x, y] = ins;
        if (!isVec(cond) || !isVec(x) || !isVec(y)) return undefined;
        const n = Math.max(cond.v.length, x.v.length, y.v.length);
        const at = (v: Vec, i: number) => v.v[v.v.length === 1 ? 0 : i];
        const v = Array.from({ length: n }, (_, i) => {
          const k = at(cond, i);
          return isNum(k) ? (k.c ? at(x, i) : at(y, i)) : undefined;
        });
        return { v, scalar: cond.scalar && x.scalar && y.scalar, float: x.float };
      }
      default:
        if (BINARY.has(p.opType)) {
          if (!isVec(a) || !isVec(b)) return undefined;
          const float = a.float || b.float;
          const n = Math.max(a.v.length, b.v.length);
          const at = (v: Vec, i: number) => v.v[v.v.length === 1 ? 0 : i];
          return { v: Array.from({ length: n }, (_, i) => arith(p.opType, at(a, i), at(b, i), float)), scalar: a.scalar && b.scalar, float };
        }
        if (isVec(a) && p.inputs.length === 1) return { ...a, v: a.v.map((s) => unary(p.opType, s)) };
        return undefined;
    }
  }
}
