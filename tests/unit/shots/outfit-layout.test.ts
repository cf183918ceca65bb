import { describe, expect, it } from 'vitest';
import { BODY_LAYOUT, checkBox, layoutGarments, parseLayout, regionPlanes } from '../../../main/shots/outfit-layout';

describe('outfit layout', () => {
  it('places garments by role on the body: torso, hips and legs, torso to knee, feet', () => {
    const placed = layoutGarments([{ role: 'top' }, { role: 'bottom' }, { role: 'shoes', name: 'boots' }]);
    expect(placed.map((p) => p.name)).toEqual(['top', 'bottom', 'boots']);
    const [top, bottom, shoes] = placed.map((p) => p.box);
    // top above bottom above shoes, all inside the canvas
    expect(top!.y).toBeLessThan(bottom!.y);
    expect(bottom!.y + bottom!.h).toBeLessThanOrEqual(shoes!.y);
    expect(shoes!.y + shoes!.h).toBeLessThanOrEqual(1);
    const dress = BODY_LAYOUT.dress;
    // torso to knee: from the top's upper edge to past the hips, short of the feet
    expect(dress.y).toBe(BODY_LAYOUT.top.y);
    expect(dress.y + dress.h).toBeGreaterThan(BODY_LAYOUT.bottom.y + 0.2);
    expect(dress.y + dress.h).toBeLessThan(BODY_LAYOUT.shoes.y);
  });

  it('with an outer garment the top keeps only the open front; regions given win over the layout', () => {
    const placed = layoutGarments([{ role: 'outer' }, { role: 'top' }, { role: 'bottom', region: { x: 0, y: 0.5, w: 1, h: 0.5 } }]);
    expect(placed[1]!.box.w).toBeLessThan(BODY_LAYOUT.top.w);
    expect(placed[2]!.box).toEqual({ x: 0, y: 0.5, w: 1, h: 0.5 });
  });

  it('refuses two garments of one role without regions, unknown roles and no garments', () => {
    expect(() => layoutGarments([{ role: 'top' }, { role: 'top' }])).toThrow(/both tops; the automatic layout has one place per role/);
    expect(() => layoutGarments([{ role: 'hat' as 'top' }])).toThrow(/role must be one of/);
    expect(() => layoutGarments([])).toThrow(/at least one garment/);
    // two tops with their own regions are fine, and are told apart by name
    expect(layoutGarments([{ role: 'top', region: { x: 0, y: 0, w: 0.5, h: 0.5 } }, { role: 'top', region: { x: 0.5, y: 0, w: 0.5, h: 0.5 } }]).map((p) => p.name)).toEqual(['top-1', 'top-2']);
  });

  it('parses --layout: auto, a list with one entry per garment, an object by name; clear errors otherwise', () => {
    expect(parseLayout('auto', ['a', 'b'])).toEqual([undefined, undefined]);
    expect(parseLayout('[{"x":0,"y":0,"w":0.5,"h":0.5},"auto"]', ['a', 'b'])).toEqual([{ x: 0, y: 0, w: 0.5, h: 0.5 }, undefined]);
    expect(parseLayout('{"b":{"x":0.1,"y":0.2,"w":0.3,"h":0.4}}', ['a', 'b'])).toEqual([undefined, { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }]);
    expect(() => parseLayout('[null]', ['a', 'b'])).toThrow(/1 region\(s\) for 2 garment\(s\)/);
    expect(() => parseLayout('{"c":null}', ['a', 'b'])).toThrow(/no garment called "c"/);
    expect(() => parseLayout('{oops', ['a'])).toThrow(/neither "auto" nor JSON/);
    expect(() => checkBox({ x: 0.5, y: 0, w: 0.6, h: 0.1 }, 'box')).toThrow(/reaches past the canvas/);
    expect(() => checkBox({ x: 0, y: 0, w: 0, h: 0.1 }, 'box')).toThrow(/no area/);
    expect(() => checkBox({ x: 0, y: 0, w: 0.1, h: 0.1, z: 1 }, 'box')).toThrow(/unknown field\(s\) z/);
    expect(() => checkBox({ x: '0', y: 0, w: 0.1, h: 0.1 }, 'box')).toThrow(/box.x must be a number from 0 to 1/);
  });

  it('rasterises boxes at cell centres; in an overlap the smaller region wins, so no cell has two garments', () => {
    // 4 x 4 grid: a box over the top half and one over the centre 2 x 2
    const [half, centre] = regionPlanes([{ box: { x: 0, y: 0, w: 1, h: 0.5 } }, { box: { x: 0.25, y: 0.25, w: 0.5, h: 0.5 } }], 4, 4);
    const grid = (p: Float32Array) => Array.from({ length: 4 }, (_, y) => Array.from(p.subarray(y * 4, y * 4 + 4)).join('')).join('/');
    expect(grid(half!)).toBe('1111/1001/0000/0000');
    expect(grid(centre!)).toBe('0000/0110/0110/0000');
    // a mask keeps its soft values
    const [m] = regionPlanes([{ mask: Float32Array.from([0, 0.5, 1, 0]) }], 2, 2);
    expect(Array.from(m!)).toEqual([0, 0.5, 1, 0]);
  });
});
