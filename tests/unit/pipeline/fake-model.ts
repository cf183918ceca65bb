import type { DdimSchedule, InversionOrder } from '../../../main/inference/pipelines/ddim-schedule';
import type { DiffusionModel, UnetCall } from '../../../main/inference/pipelines/diffusion-model';
import type { Planar } from '../../../main/inference/pipelines/tiled';

/**
 * A stand-in model made of small pure functions, for testing the loop's bookkeeping: the
 * VAE is an 8x average pool / nearest upsample, the text encoder gives each prompt a
 * constant row, and the UNet's noise for a row is its text constant plus a tenth of its latent.
 */
export class FakeModel implements DiffusionModel {
  id = 'fake';
  provider = 'cpu';
  latentChannels = 4;
  vaeFactor = 8;
  sizeMultiple = 64;
  scalingFactor = 0.5;
  supportsTac = true;
  supportsTextureLock = true;
  calls: UnetCall[] = [];
  decoded: Float32Array[] = [];
  encodes = 0;
  /** called inside each UNet evaluation, before it returns */
  during?: (call: UnetCall, index: number) => void;
  /** makes the UNet return NaN from this call index on */
  nanFrom = Infinity;
  private ms = 0;

  static textValue(prompt: string): number {
    let h = 0;
    for (const ch of prompt) h = (h * 31 + ch.charCodeAt(0)) % 1000;
    return prompt === '' ? 0 : 0.1 + h / 1000;
  }

  async encodeText(prompt: string): Promise<Float32Array> {
    return new Float32Array(4 * 8).fill(FakeModel.textValue(prompt));
  }

  async unet(call: UnetCall): Promise<Float32Array> {
    this.calls.push({ ...call, latents: Float32Array.from(call.latents), tacQkSource: call.tacQkSource?.slice() });
    this.during?.(call, this.calls.length - 1);
    const per = call.latents.length / call.batch;
    const textPer = call.text.length / call.batch;
    const out = new Float32Array(call.latents.length);
    for (let b = 0; b < call.batch; b++) {
      const tv = call.text[b * textPer]!;
      for (let i = 0; i < per; i++) out[b * per + i] = tv + 0.1 * call.latents[b * per + i]!;
    }
    if (this.calls.length - 1 >= this.nanFrom) out[0] = NaN;
    this.ms += 1;
    return out;
  }

  async vaeEncode(img: Planar): Promise<Planar> {
    this.encodes += 1;
    const w = img.width / 8;
    const h = img.height / 8;
    const out = new Float32Array(4 * w * h);
    const plane = img.width * img.height;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) s += img.data[c * plane + (y * 8 + dy) * img.width + x * 8 + dx]!;
          out[c * w * h + y * w + x] = s / 64;
        }
        out[3 * w * h + y * w + x] = (out[y * w + x]! + out[w * h + y * w + x]! + out[2 * w * h + y * w + x]!) / 3;
      }
    return { channels: 4, width: w, height: h, data: out };
  }

  async vaeDecode(lat: Planar): Promise<Planar> {
    this.decoded.push(Float32Array.from(lat.data));
    const w = lat.width * 8;
    const h = lat.height * 8;
    const out = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[c * w * h + y * w + x] = lat.data[c * lat.width * lat.height + (y >> 3) * lat.width + (x >> 3)]!;
    return { channels: 3, width: w, height: h, data: out };
  }

  runMs(): number {
    return this.ms;
  }

  async dispose(): Promise<void> {}
}

/**
 * A schedule with the right timesteps (steps_offset 1: 281, 261, ..., 1 for 50 steps at 0.3) and
 * simple invertible steps: x -/+ eps / 100. The inversion runs them in the order asked for:
 * descending (the reference code's) or ascending (DDIMInverseScheduler's).
 */
export function fakeSchedule(steps: number, strength: number, order: InversionOrder = 'official'): DdimSchedule {
  const k = Math.floor(steps * strength);
  const stride = 1000 / steps;
  const generation = Array.from({ length: k }, (_, i) => (k - 1 - i) * stride + 1);
  return {
    generation,
    inversion: order === 'official' ? [...generation] : [...generation].reverse(),
    inversionOrder: order,
    step: (eps, _t, x) => x.map((v, i) => v - eps[i]! / 100),
    invert: (eps, _t, x) => x.map((v, i) => v + eps[i]! / 100),
    config: { fake: true, steps },
  };
}
