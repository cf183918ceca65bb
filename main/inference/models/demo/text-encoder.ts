import { A, GraphBuilder, floatBytes } from '../../onnx/graph-builder';
import { attention, layerNorm, linear, quickGelu } from '../../onnx/layers';
import { DataType, type DataTypeId, type Model } from '../../onnx/model';

export interface TextEncoderConfig {
  vocabSize: number;
  hidden: number;
  maxPositions: number;
  layers: number;
  heads: number;
  intermediate: number;
}

/** CLIP ViT-L/14's text tower, as in SD 1.x */
export const SD15_TEXT_ENCODER: TextEncoderConfig = { vocabSize: 49408, hidden: 768, maxPositions: 77, layers: 12, heads: 12, intermediate: 3072 };
/** same vocabulary, width and length as SD 1.x (the contract), two thin layers */
export const TINY_TEXT_ENCODER: TextEncoderConfig = { vocabSize: 49408, hidden: 768, maxPositions: 77, layers: 2, heads: 12, intermediate: 1024 };

/**
 * CLIPTextModel as optimum exports it: input_ids int32 [B,77] -> last_hidden_state
 * [B,77,768]; token embedding Gather, position embedding, causal self-attention layers
 * (pre-norm, quick GELU MLP), final layer norm.
 */
export function buildTextEncoder(cfg: TextEncoderConfig, floatType: DataTypeId, seed: number): Model {
  const b = new GraphBuilder(floatType, seed);
  const T = cfg.maxPositions;
  const ids = b.input('input_ids', DataType.INT32, ['batch', 'sequence']);
  const h = b.scope('text_model', () => {
    const x = b.scope('embeddings', () => {
      const ids64 = b.op('Cast', [ids], { to: A.i(DataType.INT64) });
      const tok = b.scope('token_embedding', () =>
        b.op('Gather', [b.weight('weight', [cfg.vocabSize, cfg.hidden], { kind: 'uniform', std: 0.02 }), ids64]),
      );
      const pos = b.scope('position_embedding', () => {
        const table = b.weight('weight', [T, cfg.hidden], { kind: 'uniform', std: 0.01 });
        return b.op('Gather', [table, b.constInts(Array.from({ length: T }, (_, i) => i), [1, T])]);
      });
      return b.op('Add', [tok, pos]);
    });
    // the causal mask: a big negative number above the diagonal (exp() of it is exactly 0)
    const mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e4;
    const causal = b.op('Constant', [], { value: A.t({ name: '', dataType: floatType, dims: [1, 1, T, T], data: floatBytes(mask, floatType) }) });
    let y = x;
    b.scope('encoder', () => {
      for (let l = 0; l < cfg.layers; l++) {
        b.scope(`layers.${l}`, () => {
          const a = attention(b, 'self_attn', layerNorm(b, 'layer_norm1', y, cfg.hidden), undefined, {
            heads: cfg.heads,
            queryDim: cfg.hidden,
            qkvBias: true,
            qName: 'q_proj',
            kName: 'k_proj',
            vName: 'v_proj',
            outName: 'out_proj',
            scoreMask: causal,
          });
          y = b.op('Add', [y, a]);
          const n2 = layerNorm(b, 'layer_norm2', y, cfg.hidden);
          const m = b.scope('mlp', () => {
            const up = quickGelu(b, linear(b, 'fc1', n2, cfg.hidden, cfg.intermediate));
            return linear(b, 'fc2', up, cfg.intermediate, cfg.hidden, true, 0.5);
          });
          y = b.op('Add', [y, m]);
        });
      }
    });
    return layerNorm(b, 'final_layer_norm', y, cfg.hidden);
  });
  b.output('last_hidden_state', h, floatType, ['batch', 'sequence', cfg.hidden]);
  return b.model('text_encoder');
}
