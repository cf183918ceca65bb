/**
 * Millimetres of surface per UV unit along u and along v, from world-space positions (metres,
 * glTF's unit) and the UVs of a triangle list: each triangle's dP/du and dP/dv lengths,
 * averaged with the triangle's world area as weight. Null when no triangle spans UV space.
 */
export function mmPerUv(positions: ArrayLike<number>, uvs: ArrayLike<number>, indices?: ArrayLike<number>): { u: number; v: number } | null {
  const count = indices ? indices.length : positions.length / 3;
  let su = 0;
  let sv = 0;
  let area = 0;
  const at = (i: number) => (indices ? indices[i]! : i);
  for (let t = 0; t + 2 < count; t += 3) {
    const [a, b, c] = [at(t), at(t + 1), at(t + 2)];
    const e1 = [0, 1, 2].map((k) => positions[b * 3 + k]! - positions[a * 3 + k]!);
    const e2 = [0, 1, 2].map((k) => positions[c * 3 + k]! - positions[a * 3 + k]!);
    const du1 = uvs[b * 2]! - uvs[a * 2]!;
    const dv1 = uvs[b * 2 + 1]! - uvs[a * 2 + 1]!;
    const du2 = uvs[c * 2]! - uvs[a * 2]!;
    const dv2 = uvs[c * 2 + 1]! - uvs[a * 2 + 1]!;
    const det = du1 * dv2 - du2 * dv1;
    if (Math.abs(det) < 1e-12) continue;
    const dPdu = e1.map((x, k) => (x * dv2 - e2[k]! * dv1) / det);
    const dPdv = e1.map((x, k) => (e2[k]! * du1 - x * du2) / det);
    const cross = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
    const w = Math.hypot(...cross) / 2;
    su += Math.hypot(...dPdu) * w;
    sv += Math.hypot(...dPdv) * w;
    area += w;
  }
  return area > 0 ? { u: (su / area) * 1000, v: (sv / area) * 1000 } : null;
}

/** texture repeats per UV unit so one tile covers `tile` mm: mm per UV unit over mm per tile */
export function physicalRepeat(scale: { u: number; v: number }, tile: { widthMm: number; heightMm: number }): { x: number; y: number } {
  return { x: scale.u / tile.widthMm, y: scale.v / tile.heightMm };
}
