import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DataType, tensorFloats, type Model } from '../../../main/inference/onnx/model';
import { buildDemoComponent } from '../../../main/inference/models/demo/demo-model';
import {
  EXTRA_EMBEDDINGS_INPUT,
  adaptTextEncoderForTextualInversion,
} from '../../../main/inference/models/adapt-textual-inversion';
import { maxAbsDiff, session } from '../onnx/ort-helpers';

const ids = (values: number[]) => {
  const a = new Int32Array(2 * 77).fill(49407);
  values.forEach((v, i) => (a[i] = v));
  a.set([49406, 320, 1125, 49407], 77);
  return new ort.Tensor('int32', a, [2, 77]);
};

describe('textual inversion adaptation of the tiny text encoder', () => {
  let encoder: Model;
  let original: ort.InferenceSession;
  let adapted: ort.InferenceSession;
  let table: Float32Array;

  beforeAll(async () => {
    encoder = buildDemoComponent('text_encoder', { seed: 2 });
    original = await session(encoder);
    const { model, report } = adaptTextEncoderForTextualInversion(encoder);
    expect(report).toMatchObject({ vocabSize: 49408, hidden: 768, gather: '/text_model/embeddings/token_embedding/Gather' });
    expect(model.graph.inputs.find((v) => v.name === EXTRA_EMBEDDINGS_INPUT)).toMatchObject({ elemType: DataType.FLOAT, shape: ['extra_tokens', 768] });
    adapted = await session(model);
    table = tensorFloats(encoder.graph.initializers.find((t) => t.name === report.table)!);
  });

  const extra = (rows: number[]) => {
    const e = new Float32Array(rows.length * 768);
    rows.forEach((r, i) => e.set(table.subarray(r * 768, (r + 1) * 768), i * 768));
    return new ort.Tensor('float32', e, [rows.length, 768]);
  };

  it('gives exactly the original outputs for ids below the vocabulary size, with K = 0 extra rows too', async () => {
    const input = ids([49406, 1000, 2000, 49407]);
    const ref = (await original.run({ input_ids: input })).last_hidden_state!.data as Float32Array;
    for (const k of [extra([5, 6]), new ort.Tensor('float32', new Float32Array(0), [0, 768])]) {
      const got = (await adapted.run({ input_ids: input, [EXTRA_EMBEDDINGS_INPUT]: k })).last_hidden_state!.data as Float32Array;
      expect(maxAbsDiff(got, ref)).toBe(0);
    }
  });

  it('maps ids 49408 and 49409 to the extra rows', async () => {
    // extra rows copied from table rows 320 and 1125: the new ids must behave like those
    const viaTable = (await original.run({ input_ids: ids([49406, 320, 1125, 49407]) })).last_hidden_state!.data as Float32Array;
    const viaExtra = (
      await adapted.run({ input_ids: ids([49406, 49408, 49409, 49407]), [EXTRA_EMBEDDINGS_INPUT]: extra([320, 1125]) })
    ).last_hidden_state!.data as Float32Array;
    expect(maxAbsDiff(viaExtra, viaTable)).toBe(0);
    const other = (
      await adapted.run({ input_ids: ids([49406, 49408, 49409, 49407]), [EXTRA_EMBEDDINGS_INPUT]: extra([7, 8]) })
    ).last_hidden_state!.data as Float32Array;
    expect(maxAbsDiff(other, viaTable)).toBeGreaterThan(1e-3);
  });

  it('refuses a graph without a token embedding, naming the file', () => {
    expect(() => adaptTextEncoderForTextualInversion(buildDemoComponent('vae_decoder'), 'x/text_encoder/model.onnx')).toThrow(
      /x\/text_encoder\/model\.onnx: no token-embedding Gather/,
    );
  });
});
