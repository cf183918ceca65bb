import { LABEL_COLOURS, LABEL_TOLERANCE, REGION_ROLES, type RegionRole } from '../../../preload/api/region-types';

/**
 * Paints the given roles of a label mask (RGBA pixels) in their label colours, the rest
 * transparent; a pixel's role is its nearest label colour within LABEL_TOLERANCE, as the
 * engine reads it. Returns how many pixels were painted.
 */
export function paintRoles(labels: Uint8ClampedArray, out: Uint8ClampedArray, roles: readonly RegionRole[], alpha: number): number {
  const palette = REGION_ROLES.map((r) => LABEL_COLOURS[r]);
  const shown = REGION_ROLES.map((r) => roles.includes(r));
  const limit = LABEL_TOLERANCE * LABEL_TOLERANCE;
  let painted = 0;
  for (let p = 0; p < labels.length / 4; p++) {
    let best = -1;
    let bestD = limit + 1;
    for (let k = 0; k < palette.length; k++) {
      const c = palette[k]!;
      const d = (labels[4 * p]! - c[0]) ** 2 + (labels[4 * p + 1]! - c[1]) ** 2 + (labels[4 * p + 2]! - c[2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    if (best < 0 || !shown[best]) continue;
    const c = palette[best]!;
    out.set([c[0], c[1], c[2], alpha], 4 * p);
    painted++;
  }
  return painted;
}
