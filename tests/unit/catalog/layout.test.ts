import { describe, expect, it } from 'vitest';
import { compileLayout, DEFAULT_LAYOUT } from '../../../main/catalog/import/layout';
import { viewSlug } from '../../../main/catalog/vocabulary';

describe('import layouts', () => {
  it('reads the default layout <category>/<garment>/<colorway>/<view>_<kind>.<ext>', () => {
    const l = compileLayout();
    expect(l.template).toBe(DEFAULT_LAYOUT);
    expect(l.match('T-shirt/TS-1001/navy knit/front_raster.png')).toEqual({
      sku: 'TS-1001', name: undefined, category: 'T-shirt', colorway: 'navy knit', view: 'front', kind: 'raster', renderer: '',
    });
    expect(l.match('dress/D-1/red/three_quarter_raytraced.JPG')).toMatchObject({ view: 'three_quarter', kind: 'raytrace' });
    expect(l.match('dress/D-1/red/readme.png')).toBeUndefined();
    expect(l.match('dress/D-1/front_raster.png')).toBeUndefined();
    expect(l.match('a/dress/D-1/red/front_raster.png')).toBeUndefined();
  });

  it('knows every spelling of the render kinds', () => {
    const l = compileLayout();
    const kind = (k: string) => l.match(`c/g/w/back_${k}.png`)?.kind;
    expect(['raster', 'rast', 'rasterized', 'RASTER'].map(kind)).toEqual(['raster', 'raster', 'raster', 'raster']);
    expect(['raytrace', 'rt', 'raytraced', 'pathtraced'].map(kind)).toEqual(['raytrace', 'raytrace', 'raytrace', 'raytrace']);
    expect(kind('photo')).toBe('photo');
    expect(kind('sketch')).toBeUndefined();
  });

  it('takes templates for other trees', () => {
    const l = compileLayout('{category}/{sku}_{view}_{kind}.png');
    expect(l.match('jeans/JN-7_left_rt.png')).toMatchObject({ sku: 'JN-7', category: 'jeans', view: 'left', kind: 'raytrace', colorway: 'default' });
    expect(l.match('jeans/JN-7_left_rt.webp')).toBeUndefined();
    const r = compileLayout('{renderer}/*/{garment}_{colorway}_{kind}.{ext}');
    expect(r.match('clo3d/batch 4/SK-2_plaid_pathtraced.tif')).toMatchObject({ renderer: 'clo3d', sku: 'SK-2', colorway: 'plaid', view: 'front', kind: 'raytrace' });
  });

  it('rejects templates that cannot identify renders', () => {
    expect(() => compileLayout('{category}/{view}_{kind}.png')).toThrow(/needs \{sku\} or \{garment\}/);
    expect(() => compileLayout('{sku}/{view}.png')).toThrow(/needs \{kind\}/);
    expect(() => compileLayout('{sku}/{kind}/{sku}.png')).toThrow(/twice/);
    expect(() => compileLayout('{sku}/{colour}_{kind}.png')).toThrow(/unknown placeholder \{colour\}/);
    expect(() => compileLayout('../{sku}_{kind}.png')).toThrow(/relative path/);
  });

  it('maps view spellings to the standard views', () => {
    expect(['Front', 'rear', 'three_quarter', '3q', '3-4', 'Left', 'Detail Shot'].map(viewSlug)).toEqual([
      'front', 'back', 'three-quarter', 'three-quarter', 'three-quarter', 'left', 'detail-shot',
    ]);
  });
});
