import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { expectUserError } from '../support/user-error';
import { float32ToFloat16 } from '../../../main/inference/onnx/float16';
import { floatOutput, inputSpecs, typedFeeds } from '../../../main/inference/runtime/typed-feeds';
import { tinyModel, tinyTextEncoder, tinyUnet } from './tiny-models';

const session = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], logSeverityLevel: 3 });

// values exactly representable in float16, so doubling them is exact too
const sample = Float32Array.from({ length: 2 * 4 * 2 * 3 }, (_, i) => (i - 20) * 0.125);
const text = Float32Array.from({ length: 2 * 77 * 8 }, (_, i) => (i % 64) / 16);

describe('inputs typed from session metadata', () => {
  it('reads names, types and shapes (symbolic dims as names, scalars as [])', async () => {
    const s = await session(tinyUnet({ float: 'float16', timestep: ['timestep', 'int64', []] }));
    expect(inputSpecs(s)).toEqual([
      { name: 'sample', type: 'float16', shape: ['batch', 4, 'height', 'width'] },
      { name: 'timestep', type: 'int64', shape: [] },
      { name: 'encoder_hidden_states', type: 'float16', shape: ['batch', 77, 8] },
    ]);
    await s.release();
  });

  for (const float of ['float32', 'float16'] as const) {
    it(`runs a ${float} UNet from float32 data and gives float32 back`, async () => {
      const s = await session(tinyUnet({ float, timestep: ['timestep', 'int64', []] }));
      const inputs = inputSpecs(s);
      const feeds = typedFeeds(inputs, {
        sample: { kind: 'float', data: sample, dims: [2, 4, 2, 3] },
        timestep: { kind: 'timestep', value: 281, batch: 2 },
        encoder_hidden_states: { kind: 'float', data: text, dims: [2, 77, 8] },
      });
      expect(feeds.sample!.type).toBe(float);
      expect(feeds.timestep!.type).toBe('int64');
      expect(feeds.timestep!.dims).toEqual([]);
      const out = await s.run(feeds);
      const result = floatOutput(out, 'out_sample', 'The UNet');
      expect(result.dims).toEqual([2, 4, 2, 3]);
      expect(Array.from(result.data)).toEqual(Array.from(sample, (v) => 2 * v));
      expect(Array.from(floatOutput(out, 'text_out').data)).toEqual(Array.from(text));
      expect(Array.from(floatOutput(out, 't_out').data)).toEqual([281]);
      await s.release();
    });
  }

  it('sends an already converted float16 form where the model takes float16, and the float32 data otherwise', async () => {
    const half = float32ToFloat16(text);
    for (const float of ['float16', 'float32'] as const) {
      const s = await session(tinyUnet({ float, timestep: ['timestep', 'int64', []] }));
      const feeds = typedFeeds(inputSpecs(s), {
        sample: { kind: 'float', data: sample, dims: [2, 4, 2, 3] },
        timestep: { kind: 'timestep', value: 1, batch: 2 },
        encoder_hidden_states: { kind: 'float', data: text, dims: [2, 77, 8], half },
      });
      expect(feeds.encoder_hidden_states!.data).toBe(float === 'float16' ? half : text);
      expect(Array.from(floatOutput(await s.run(feeds), 'text_out').data)).toEqual(Array.from(text));
      await s.release();
    }
  });

  it('sends the timestep as [B] float, or [1] where the model fixes one value', async () => {
    const perRow = await session(tinyUnet({ float: 'float32', timestep: ['timestep', 'float32', ['batch']] }));
    const feeds = typedFeeds(inputSpecs(perRow), {
      sample: { kind: 'float', data: sample, dims: [2, 4, 2, 3] },
      timestep: { kind: 'timestep', value: 981, batch: 2 },
      encoder_hidden_states: { kind: 'float', data: text, dims: [2, 77, 8] },
    });
    expect(feeds.timestep!.type).toBe('float32');
    expect(feeds.timestep!.dims).toEqual([2]);
    expect(Array.from((await perRow.run(feeds)).t_out!.data as Float32Array)).toEqual([981, 981]);
    await perRow.release();

    const fixed = await session(tinyUnet({ float: 'float16', timestep: ['timestep', 'float16', [1]] }));
    const fixedFeeds = typedFeeds(inputSpecs(fixed), {
      sample: { kind: 'float', data: sample, dims: [2, 4, 2, 3] },
      timestep: { kind: 'timestep', value: 981, batch: 2 },
      encoder_hidden_states: { kind: 'float', data: text, dims: [2, 77, 8] },
    });
    expect(fixedFeeds.timestep!.dims).toEqual([1]);
    // halves are 0.5 apart between 512 and 1024, so 981 is sent exactly
    expect(Array.from((await fixed.run(fixedFeeds)).t_out!.data as Float32Array)).toEqual([981]);
    await fixed.release();
  });

  for (const ids of ['int32', 'int64'] as const) {
    it(`sends token ids as ${ids}`, async () => {
      const s = await session(tinyTextEncoder(ids));
      const tokens = Int32Array.from({ length: 77 }, (_, i) => (i === 0 ? 49406 : i < 5 ? 320 + i : 49407));
      const feeds = typedFeeds(inputSpecs(s), { input_ids: { kind: 'int', data: tokens, dims: [1, 77] } });
      expect(feeds.input_ids!.type).toBe(ids);
      const out = floatOutput(await s.run(feeds), 'ids_out');
      expect(Array.from(out.data)).toEqual(Array.from(tokens));
      await s.release();
    });
  }

  it('refuses missing inputs, unknown names, wrong shapes and types with user errors', async () => {
    const s = await session(tinyUnet({ float: 'float32', timestep: ['timestep', 'int64', []] }));
    const inputs = inputSpecs(s);
    const good = {
      sample: { kind: 'float', data: sample, dims: [2, 4, 2, 3] },
      timestep: { kind: 'timestep', value: 1, batch: 2 },
      encoder_hidden_states: { kind: 'float', data: text, dims: [2, 77, 8] },
    } as const;
    expectUserError(() => typedFeeds(inputs, { sample: good.sample, timestep: good.timestep }, 'The UNet'), /The UNet needs an input "encoder_hidden_states"/);
    expectUserError(() => typedFeeds(inputs, { ...good, tac_qk_source: { kind: 'int', data: [0, 1], dims: [2] } }, 'The UNet'), /has no input "tac_qk_source"/);
    expectUserError(() => typedFeeds(inputs, { ...good, sample: { kind: 'float', data: sample, dims: [2, 3, 2, 4] } }), /shape \[batch, 4, height, width\]/);
    expectUserError(() => typedFeeds(inputs, { ...good, sample: { kind: 'int', data: [1, 2, 3, 4], dims: [1, 4, 1, 1] } }), /as float32, where R2R Studio has integer values/);
    await s.release();
  });

  it('reports NaN or infinity in an output as a user error', async () => {
    // a float16 model overflowing: 40000 + 40000 is above 65504
    const s = await session(tinyModel([['x', 'float16', [2]]], [['y', 'float16', [2]]], [['Add', ['x', 'x'], ['y']]]));
    const out = await s.run(typedFeeds(inputSpecs(s), { x: { kind: 'float', data: new Float32Array([1, 40000]), dims: [2] } }));
    expectUserError(() => floatOutput(out, 'y', 'The UNet'), /The UNet produced infinite values in "y" \(first at index 1\)/);
    expect(Array.from(floatOutput(out, 'y', 'The UNet', { allowNonFinite: true }).data)).toEqual([2, Infinity]);
    expectUserError(() => floatOutput(out, 'nope'), /no output "nope"/);
    await s.release();
  });
});
