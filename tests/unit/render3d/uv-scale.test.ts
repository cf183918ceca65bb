import { describe, expect, it } from 'vitest';
import { mmPerUv, physicalRepeat } from '../../../renderer/render3d/uv-scale';

describe('UV scale in millimetres', () => {
  // a flat 2 m x 1 m quad whose UVs run 0..1 both ways: 2000 mm per u, 1000 mm per v
  const positions = [0, 0, 0, 2, 0, 0, 2, 1, 0, 0, 1, 0];
  const uvs = [0, 0, 1, 0, 1, 1, 0, 1];
  const indices = [0, 1, 2, 0, 2, 3];

  it('reads mm per UV unit along u and v from the triangles', () => {
    const s = mmPerUv(positions, uvs, indices)!;
    expect(s.u).toBeCloseTo(2000, 9);
    expect(s.v).toBeCloseTo(1000, 9);
  });

  it('a 50 x 25 mm tile repeats 40 times per UV unit on both axes', () => {
    expect(physicalRepeat({ u: 2000, v: 1000 }, { widthMm: 50, heightMm: 25 })).toEqual({ x: 40, y: 40 });
  });

  it('weights triangles by their world area; degenerate UVs give null', () => {
    // the same quad with UVs 0..0.5 on u: 4000 mm per u unit
    const s = mmPerUv(positions, [0, 0, 0.5, 0, 0.5, 1, 0, 1], indices)!;
    expect(s.u).toBeCloseTo(4000, 9);
    expect(mmPerUv(positions, [0, 0, 0, 0, 0, 0, 0, 0], indices)).toBeNull();
  });
});
