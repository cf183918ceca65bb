/**
 * sRGB (D65) -> CIE Lab and the CIEDE2000 colour difference.
 * The conversion uses the constants of scikit-image's rgb2lab (sRGB matrix of IEC 61966-2-1,
 * D65 2-degree white (0.95047, 1, 1.08883), the 0.008856 / 7.787 linear segment), so Lab
 * values agree with skimage; CIEDE2000 follows Sharma, Wu and Dalal (2005), kL = kC = kH = 1.
 */
export type Lab = [number, number, number];

const WHITE = [0.95047, 1, 1.08883];

function linearise(c: number): number {
  return c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
}

// 8-bit values are the common case: look them up instead of calling pow per pixel
const LINEAR_8BIT = Float64Array.from({ length: 256 }, (_, v) => linearise(v / 255));

function linear255(v: number): number {
  return Number.isInteger(v) && v >= 0 && v <= 255 ? LINEAR_8BIT[v] : linearise(v / 255);
}

function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** 0..255 sRGB to Lab */
export function srgbToLab(r255: number, g255: number, b255: number): Lab {
  const r = linear255(r255);
  const g = linear255(g255);
  const b = linear255(b255);
  const x = labF((0.412453 * r + 0.35758 * g + 0.180423 * b) / WHITE[0]);
  const y = labF((0.212671 * r + 0.71516 * g + 0.072169 * b) / WHITE[1]);
  const z = labF((0.019334 * r + 0.119193 * g + 0.950227 * b) / WHITE[2]);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

const DEG = Math.PI / 180;
const POW25_7 = 25 ** 7;

function hueAngle(b: number, a: number): number {
  if (a === 0 && b === 0) return 0;
  const h = Math.atan2(b, a);
  return h < 0 ? h + 2 * Math.PI : h;
}

/** CIEDE2000 difference of two Lab colours (Sharma et al. 2005, equations 1-22) */
export function ciede2000(lab1: Lab | readonly number[], lab2: Lab | readonly number[]): number {
  const [L1, a1, b1] = lab1;
  const [L2, a2, b2] = lab2;
  // a' from the mean chroma (eq. 2-5)
  const cMean = 0.5 * (Math.hypot(a1, b1) + Math.hypot(a2, b2));
  const c7 = cMean ** 7;
  const g = 0.5 * (1 - Math.sqrt(c7 / (c7 + POW25_7)));
  const ap1 = (1 + g) * a1;
  const ap2 = (1 + g) * a2;
  const cp1 = Math.hypot(ap1, b1);
  const cp2 = Math.hypot(ap2, b2);
  const hp1 = hueAngle(b1, ap1);
  const hp2 = hueAngle(b2, ap2);
  // differences (eq. 8-11)
  const dL = L2 - L1;
  const dC = cp2 - cp1;
  const cc = cp1 * cp2;
  let dh = hp2 - hp1;
  if (cc === 0) dh = 0;
  else if (dh > Math.PI) dh -= 2 * Math.PI;
  else if (dh < -Math.PI) dh += 2 * Math.PI;
  const dH = 2 * Math.sqrt(cc) * Math.sin(dh / 2);
  // means and weights (eq. 12-22)
  const lMean = 0.5 * (L1 + L2);
  const cpMean = 0.5 * (cp1 + cp2);
  let hMean = hp1 + hp2;
  if (cc !== 0) {
    if (Math.abs(hp1 - hp2) > Math.PI) hMean += hMean < 2 * Math.PI ? 2 * Math.PI : -2 * Math.PI;
    hMean *= 0.5;
  }
  const t = 1 - 0.17 * Math.cos(hMean - 30 * DEG) + 0.24 * Math.cos(2 * hMean) + 0.32 * Math.cos(3 * hMean + 6 * DEG) - 0.2 * Math.cos(4 * hMean - 63 * DEG);
  const dTheta = 30 * DEG * Math.exp(-(((hMean / DEG - 275) / 25) ** 2));
  const cp7 = cpMean ** 7;
  const rc = 2 * Math.sqrt(cp7 / (cp7 + POW25_7));
  const l50 = (lMean - 50) ** 2;
  const sl = 1 + (0.015 * l50) / Math.sqrt(20 + l50);
  const sc = 1 + 0.045 * cpMean;
  const sh = 1 + 0.015 * cpMean * t;
  const rt = -Math.sin(2 * dTheta) * rc;
  const lt = dL / sl;
  const ct = dC / sc;
  const ht = dH / sh;
  return Math.sqrt(Math.max(0, lt * lt + ct * ct + ht * ht + rt * ct * ht));
}
