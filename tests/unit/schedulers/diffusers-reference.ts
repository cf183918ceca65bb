/**
 * The fixtures of diffusers' tests/schedulers/test_schedulers.py (SchedulerCommonTest):
 * a deterministic [4, 3, 8, 8] sample, its flipped twin as noise, and the dummy model
 * `sample * t / (t + 1)`.
 */
const BATCH = 4;
const CHANNELS = 3;
const HEIGHT = 8;
const WIDTH = 8;
const COUNT = BATCH * CHANNELS * HEIGHT * WIDTH;

// torch.arange(n) reshaped to (c, h, w, b), divided by n, permuted to (b, c, h, w)
function deterministic(flip: boolean): Float32Array {
  const out = new Float32Array(COUNT);
  for (let b = 0; b < BATCH; b++) {
    for (let c = 0; c < CHANNELS; c++) {
      for (let h = 0; h < HEIGHT; h++) {
        for (let w = 0; w < WIDTH; w++) {
          const source = ((c * HEIGHT + h) * WIDTH + w) * BATCH + b;
          const value = flip ? COUNT - 1 - source : source;
          out[((b * CHANNELS + c) * HEIGHT + h) * WIDTH + w] = value / COUNT;
        }
      }
    }
  }
  return out;
}

export const dummySampleDeter = (): Float32Array => deterministic(false);
export const dummyNoiseDeter = (): Float32Array => deterministic(true);

export function dummyModel(sample: Float32Array, t: number): Float32Array {
  const out = new Float32Array(sample.length);
  for (let i = 0; i < sample.length; i++) out[i] = Math.fround(sample[i]! * t) / (t + 1);
  return out;
}

export function absSumMean(x: Float32Array): { sum: number; mean: number } {
  let sum = 0;
  for (const v of x) sum += Math.abs(v);
  return { sum, mean: sum / x.length };
}
