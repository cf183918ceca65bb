/** garment outlines as polygons in a unit box (x right, y down), one family per category */

export type Point = [number, number];
export type Shape = Point[][];

export type SilhouetteFamily = 'tee' | 'longsleeve' | 'hoodie' | 'coat' | 'pants' | 'shorts' | 'dress' | 'skirt' | 'hat';

const tee: Shape = [[
  [0.39, 0.06], [0.22, 0.1], [0.04, 0.3], [0.15, 0.4], [0.27, 0.3], [0.27, 0.95], [0.73, 0.95],
  [0.73, 0.3], [0.85, 0.4], [0.96, 0.3], [0.78, 0.1], [0.61, 0.06], [0.55, 0.12], [0.45, 0.12],
]];

const longsleeve: Shape = [[
  [0.39, 0.06], [0.23, 0.1], [0.1, 0.35], [0.04, 0.86], [0.14, 0.87], [0.21, 0.45], [0.27, 0.34],
  [0.27, 0.92], [0.73, 0.92], [0.73, 0.34], [0.79, 0.45], [0.86, 0.87], [0.96, 0.86], [0.9, 0.35],
  [0.77, 0.1], [0.61, 0.06], [0.55, 0.13], [0.45, 0.13],
]];

const hoodie: Shape = [
  longsleeve[0]!,
  [[0.36, 0.09], [0.35, 0.0], [0.5, -0.04], [0.65, 0.0], [0.64, 0.09], [0.5, 0.16]],
];

const coat: Shape = [[
  [0.4, 0.04], [0.22, 0.09], [0.09, 0.35], [0.04, 0.8], [0.14, 0.81], [0.21, 0.45], [0.26, 0.34],
  [0.22, 0.98], [0.78, 0.98], [0.74, 0.34], [0.79, 0.45], [0.86, 0.81], [0.96, 0.8], [0.91, 0.35],
  [0.78, 0.09], [0.6, 0.04], [0.5, 0.2],
]];

const pants: Shape = [[
  [0.26, 0.03], [0.74, 0.03], [0.79, 0.4], [0.76, 0.97], [0.55, 0.97], [0.5, 0.33], [0.45, 0.97],
  [0.24, 0.97], [0.21, 0.4],
]];

const shorts: Shape = [[
  [0.24, 0.2], [0.76, 0.2], [0.84, 0.75], [0.55, 0.78], [0.5, 0.45], [0.45, 0.78], [0.16, 0.75],
]];

const dress: Shape = [[
  [0.37, 0.03], [0.41, 0.03], [0.44, 0.1], [0.56, 0.1], [0.59, 0.03], [0.63, 0.03], [0.66, 0.3],
  [0.6, 0.42], [0.86, 0.97], [0.14, 0.97], [0.4, 0.42], [0.34, 0.3],
]];

const skirt: Shape = [[[0.31, 0.12], [0.69, 0.12], [0.72, 0.2], [0.9, 0.86], [0.5, 0.9], [0.1, 0.86], [0.28, 0.2]]];

function ellipse(cx: number, cy: number, rx: number, ry: number, from = 0, to = Math.PI * 2, n = 40): Point[] {
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = from + ((to - from) * i) / n;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Point;
  });
}

const hat: Shape = [ellipse(0.5, 0.62, 0.44, 0.1), ellipse(0.5, 0.6, 0.26, 0.3, Math.PI, Math.PI * 2)];

export const SILHOUETTES: Record<SilhouetteFamily, Shape> = { tee, longsleeve, hoodie, coat, pants, shorts, dress, skirt, hat };

/** which outline a SynFashion category is drawn with */
export const CATEGORY_FAMILY: Record<string, SilhouetteFamily> = {
  't-shirt': 'tee',
  shirt: 'tee',
  'vest-camisole': 'tee',
  'lingerie-swimwear': 'shorts',
  sweater: 'longsleeve',
  'home-wear': 'longsleeve',
  set: 'longsleeve',
  hoodie: 'hoodie',
  jacket: 'coat',
  coat: 'coat',
  'trench-coat': 'coat',
  'down-jacket': 'coat',
  suit: 'coat',
  pants: 'pants',
  jeans: 'pants',
  shorts: 'shorts',
  dress: 'dress',
  hanfu: 'dress',
  'half-skirt': 'skirt',
  hat: 'hat',
};

/**
 * The outline seen from a view: side views are the garment turned (narrower, the far half
 * hidden), three-quarter is turned part way; back and front share the outline.
 */
export function viewShape(shape: Shape, view: string): Shape {
  const squeeze = view === 'left' || view === 'right' ? 0.46 : view === 'three-quarter' ? 0.78 : 1;
  const skew = view === 'three-quarter' ? 0.05 : 0;
  const mirror = view === 'right';
  return shape.map((poly) =>
    poly.map(([x, y]) => {
      let nx = 0.5 + (x - 0.5) * squeeze + skew * (y - 0.5);
      if (mirror) nx = 1 - nx;
      return [nx, y] as Point;
    }),
  );
}

/** rasterises polygons (even-odd within each, union across them) into a 0/1 mask */
export function fillShape(shape: Shape, box: { x: number; y: number; w: number; h: number }, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const poly of shape) {
    const pts = poly.map(([x, y]) => [box.x + x * box.w, box.y + y * box.h] as Point);
    for (let py = 0; py < height; py++) {
      const yc = py + 0.5;
      const xs: number[] = [];
      for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
        const [xi, yi] = pts[i]!;
        const [xj, yj] = pts[j]!;
        if (yi > yc !== yj > yc) xs.push(xi + ((yc - yi) / (yj - yi)) * (xj - xi));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
        const to = Math.min(width - 1, Math.floor(xs[k + 1]! - 0.5));
        mask.fill(1, py * width + from, py * width + to + 1);
      }
    }
  }
  return mask;
}
