import { UserError } from '../../common/errors';
import { A, toAttribute } from '../onnx/graph-builder';
import { GraphIndex, uniqueNamer } from '../onnx/graph-index';
import { cloneModel, type Model, type Node } from '../onnx/model';

export const EXTRA_EMBEDDINGS_INPUT = 'extra_token_embeddings';
export const TI_METADATA_KEY = 'r2r.adapt.textual_inversion';

export interface TextualInversionReport {
  /** rows of the original table: added tokens get ids vocabSize, vocabSize + 1, ... */
  vocabSize: number;
  hidden: number;
  gather: string;
  table: string;
}

/** ops between `input_ids` and the token-embedding Gather in exports (casts, reshapes) */
const ID_PATH = new Set(['Cast', 'Reshape', 'Identity', 'Flatten', 'Unsqueeze', 'Squeeze']);

function readsInputIds(ix: GraphIndex, tensor: string, idsInput: string): boolean {
  let t = tensor;
  for (let i = 0; i < 8; i++) {
    if (t === idsInput) return true;
    const p = ix.producer.get(t);
    if (!p || !ID_PATH.has(p.opType)) return false;
    t = p.inputs[0]!;
  }
  return false;
}

/** the token-embedding Gather: a 2-D weight table indexed by (a cast of) `input_ids` */
export function findTokenEmbedding(model: Model, what = 'text_encoder/model.onnx'): { gather: Node; table: string; vocabSize: number; hidden: number } {
  const g = model.graph;
  const ix = new GraphIndex(g);
  const ids = g.inputs.find((v) => v.name === 'input_ids')?.name ?? g.inputs.find((v) => !ix.initializers.has(v.name))?.name;
  for (const n of g.nodes) {
    if (n.opType !== 'Gather' || !ids) continue;
    const table = ix.constant(n.inputs[0]!);
    const axis = n.attributes.find((a) => a.name === 'axis')?.i ?? 0;
    if (!table || table.dims.length !== 2 || axis !== 0 || !readsInputIds(ix, n.inputs[1]!, ids)) continue;
    return { gather: n, table: n.inputs[0]!, vocabSize: table.dims[0]!, hidden: table.dims[1]! };
  }
  throw new UserError(
    'embedding-not-found',
    `${what}: no token-embedding Gather found (a 2-D weight table indexed by input_ids)`,
    'Use a CLIP text encoder exported by `optimum-cli export onnx --task text-to-image`.',
  );
}

/**
 * Textual inversion at run time: the token-embedding Gather reads from
 * Concat(original table, extra_token_embeddings [K, hidden]), so ids from the vocabulary size
 * upward select the extra rows. Ids below it give exactly the original outputs.
 */
export function adaptTextEncoderForTextualInversion(original: Model, what = 'text_encoder/model.onnx'): { model: Model; report: TextualInversionReport } {
  const model = cloneModel(original);
  const g = model.graph;
  if (g.inputs.some((v) => v.name === EXTRA_EMBEDDINGS_INPUT)) {
    throw new UserError('already-adapted', `${what} already has an ${EXTRA_EMBEDDINGS_INPUT} input`, 'Adapt the original export, not an adapted copy.');
  }
  const found = findTokenEmbedding(model, what);
  const gather = g.nodes.find((n) => n.name === found.gather.name && n.outputs[0] === found.gather.outputs[0])!;
  const ix = new GraphIndex(g);
  const dtype = ix.constant(found.table)!.dataType;
  const fresh = uniqueNamer(g);
  g.inputs.push({ name: EXTRA_EMBEDDINGS_INPUT, elemType: dtype, shape: ['extra_tokens', found.hidden] });
  const base = `${gather.name.replace(/\/Gather[^/]*$/, '')}/extra_tokens`;
  const concatOut = fresh(`${base}/Concat_output_0`);
  const concat: Node = {
    name: fresh(`${base}/Concat`),
    opType: 'Concat',
    domain: '',
    inputs: [found.table, EXTRA_EMBEDDINGS_INPUT],
    outputs: [concatOut],
    attributes: [toAttribute('axis', A.i(0))],
  };
  gather.inputs = [concatOut, ...gather.inputs.slice(1)];
  g.nodes.splice(g.nodes.indexOf(gather), 0, concat);
  const report: TextualInversionReport = { vocabSize: found.vocabSize, hidden: found.hidden, gather: gather.name, table: found.table };
  model.metadataProps = model.metadataProps.filter((p) => p.key !== TI_METADATA_KEY);
  model.metadataProps.push({ key: TI_METADATA_KEY, value: JSON.stringify({ version: 1, input: EXTRA_EMBEDDINGS_INPUT, ...report }) });
  return { model, report };
}
