import type { Attribute, Graph, Node, Tensor } from './model';
import { tensorFloats, tensorInts } from './model';

/** lookups over a graph: who produces and who consumes each tensor, constants by name */
export class GraphIndex {
  readonly producer = new Map<string, Node>();
  readonly consumers = new Map<string, Node[]>();
  readonly initializers = new Map<string, Tensor>();
  readonly graphInputs = new Set<string>();

  constructor(readonly graph: Graph) {
    for (const t of graph.initializers) this.initializers.set(t.name, t);
    for (const v of graph.inputs) if (!this.initializers.has(v.name)) this.graphInputs.add(v.name);
    for (const n of graph.nodes) {
      for (const o of n.outputs) this.producer.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        let list = this.consumers.get(i);
        if (!list) this.consumers.set(i, (list = []));
        list.push(n);
      }
    }
  }

  /** the constant behind a tensor name: an initializer or a Constant node's value */
  constant(name: string): Tensor | undefined {
    const init = this.initializers.get(name);
    if (init) return init;
    const p = this.producer.get(name);
    if (p?.opType === 'Constant') return attr(p, 'value')?.t;
    return undefined;
  }

  isConstant(name: string): boolean {
    if (this.constant(name)) return true;
    // a weight cast to another float type is still a weight
    const p = this.producer.get(name);
    return p?.opType === 'Cast' && this.isConstant(p.inputs[0]!);
  }

  private staticMemo = new Map<string, boolean>();

  /**
   * true when a tensor does not depend on the data fed at run time, only on constants and
   * shapes (torch exports compute scales like 1/sqrt(head_dim) from Shape ops)
   */
  isStatic(name: string, depth = 0): boolean {
    const known = this.staticMemo.get(name);
    if (known !== undefined) return known;
    let result: boolean;
    if (this.constant(name)) result = true;
    else {
      const p = this.producer.get(name);
      if (!p || depth > 24) result = false;
      else if (p.opType === 'Shape' || p.opType === 'Size') result = true;
      else result = p.inputs.every((i) => !i || this.isStatic(i, depth + 1));
    }
    this.staticMemo.set(name, result);
    return result;
  }

  constInts(name: string): number[] | undefined {
    const t = this.constant(name);
    try {
      return t ? tensorInts(t) : undefined;
    } catch {
      return undefined;
    }
  }

  constFloats(name: string): Float32Array | undefined {
    const t = this.constant(name);
    try {
      return t ? tensorFloats(t) : undefined;
    } catch {
      return undefined;
    }
  }
}

export function attr(node: Node, name: string): Attribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

/** a name not used by any tensor or node of the graph yet */
export function uniqueNamer(graph: Graph): (base: string) => string {
  const used = new Set<string>();
  for (const n of graph.nodes) {
    used.add(n.name);
    n.outputs.forEach((o) => used.add(o));
  }
  graph.inputs.forEach((v) => used.add(v.name));
  graph.initializers.forEach((t) => used.add(t.name));
  return (base) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}
