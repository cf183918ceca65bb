import ort from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import type { ComponentSession } from './onnx-diffusion-model';

function inputType(session: InferenceSession, name: string): string {
  const m = session.inputMetadata.find((v) => v.name === name);
  if (!m) throw new Error(`the session has no input ${name}`);
  return m.isTensor ? m.type : 'float32';
}

/** opens one model component on a provider and types its inputs from the session's metadata */
export async function openComponent(name: string, path: string, provider: string): Promise<ComponentSession> {
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      // no busy-waiting between runs: the app shares the CPU with the UI and other work
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    throw new UserError('model-load-failed', `cannot load the ${name} (${path}) on ${provider}: ${(err as Error).message.split('\n')[0]}`, 'Check the file is a complete ONNX export; try --provider cpu.', { cause: err });
  }
  return {
    name,
    session,
    input(input, data, dims) {
      const type = inputType(session, input);
      const values = data as ArrayLike<number>;
      switch (type) {
        case 'float32':
          return new ort.Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(values), dims);
        case 'int64':
          return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(Math.round(v)))), dims);
        case 'int32':
          return new ort.Tensor('int32', data instanceof Int32Array ? data : Int32Array.from(values), dims);
        default:
          throw new UserError('model-dtype', `the ${name}'s input ${input} is ${type}, which this build cannot feed`, 'Use an fp32 export.');
      }
    },
    output(t: Tensor) {
      if (t.type === 'float32') return t.data as Float32Array;
      throw new UserError('model-dtype', `the ${name} returns ${t.type}, which this build cannot read`, 'Use an fp32 export.');
    },
  };
}
