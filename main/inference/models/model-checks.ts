import { UserError } from '../../common/errors';
import { DataType, dataTypeName, type Model, type ValueInfo } from '../onnx/model';
import { readModel } from '../onnx/read-model';
import { TAC_MASK_INPUT, TAC_SOURCE_INPUT } from './adapt-tac';
import { EXTRA_EMBEDDINGS_INPUT } from './adapt-textual-inversion';
import { COMPONENT_NAMES, openModelFolder, type ComponentName, type ModelFolder } from './model-folder';

/** default-domain opsets onnxruntime 1.30 loads (measured: it refuses 27 and up, and below 7 finds no kernels) */
export const MIN_OPSET = 7;
export const MAX_OPSET = 26;
const KNOWN_DOMAINS = new Set(['', 'ai.onnx', 'com.microsoft', 'ai.onnx.ml', 'com.microsoft.nchwc']);

export function checkOpset(model: Model, path: string): number {
  const main = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!main) throw new UserError('unsupported-opset', `${path} imports no ai.onnx opset`, 'Export the model again with optimum-cli.');
  if (main.version < MIN_OPSET || main.version > MAX_OPSET) {
    throw new UserError(
      'unsupported-opset',
      `${path} uses ONNX opset ${main.version}; R2R Studio runs opsets ${MIN_OPSET} to ${MAX_OPSET}`,
      `Export again with \`optimum-cli export onnx --opset 17 ...\` (any opset from ${MIN_OPSET} to ${MAX_OPSET}).`,
    );
  }
  const odd = model.opsetImport.find((o) => !KNOWN_DOMAINS.has(o.domain));
  if (odd) {
    throw new UserError('unsupported-opset', `${path} needs operators from the custom domain '${odd.domain}', which onnxruntime does not provide`, 'Export the model without custom operators.');
  }
  return main.version;
}

export const COMPONENT_LABELS: Record<ComponentName, string> = { text_encoder: 'text encoder', unet: 'UNet', vae_encoder: 'VAE encoder', vae_decoder: 'VAE decoder' };

const FLOATS = new Set<number>([DataType.FLOAT, DataType.FLOAT16]);
const INTS = new Set<number>([DataType.INT32, DataType.INT64]);

interface InputRule {
  /** the input's name; undefined: the component's only input, whatever its name */
  name?: string;
  types: Set<number>;
  /** the rank when the model states it */
  rank?: number;
}

/** what R2R Studio feeds each component (docs: "Models and their contract"); anything else it cannot provide */
const CONTRACT: Record<ComponentName, InputRule[]> = {
  text_encoder: [{ name: 'input_ids', types: INTS, rank: 2 }],
  unet: [
    { name: 'sample', types: FLOATS, rank: 4 },
    { name: 'timestep', types: new Set([...FLOATS, ...INTS]) },
    { name: 'encoder_hidden_states', types: FLOATS, rank: 3 },
  ],
  vae_encoder: [{ types: FLOATS, rank: 4 }],
  vae_decoder: [{ types: FLOATS, rank: 4 }],
};

/** inputs an adapted copy adds (inspect may be shown one); R2R Studio feeds them too */
const ADAPTED_INPUTS: Partial<Record<ComponentName, string[]>> = { unet: [TAC_SOURCE_INPUT, TAC_MASK_INPUT], text_encoder: [EXTRA_EMBEDDINGS_INPUT] };

/** the inputs a caller feeds: graph inputs that are not initializers (older exports list weights as inputs too) */
export function feedInputs(model: Model): ValueInfo[] {
  const weights = new Set(model.graph.initializers.map((t) => t.name));
  return model.graph.inputs.filter((v) => !weights.has(v.name));
}

function describeInput(v: ValueInfo): string {
  return `${v.name} (${dataTypeName(v.elemType)}${v.shape ? `, rank ${v.shape.length}` : ''})`;
}

/**
 * Why `model` cannot serve as this component, in words a user can check against the file;
 * empty when its inputs and outputs are what R2R Studio feeds and reads.
 */
export function graphProblems(component: ComponentName, model: Model): string[] {
  const problems: string[] = [];
  const inputs = feedInputs(model);
  const rules = CONTRACT[component];
  const claimed = new Set<string>();
  const missing: string[] = [];
  for (const rule of rules) {
    const v = rule.name === undefined ? (inputs.length === 1 ? inputs[0] : undefined) : inputs.find((i) => i.name === rule.name);
    if (!v) {
      if (rule.name === undefined) problems.push(`it should take one image-shaped input, and it takes ${inputs.length}`);
      else missing.push(rule.name);
      continue;
    }
    claimed.add(v.name);
    if (!rule.types.has(v.elemType)) problems.push(`input ${v.name} is ${dataTypeName(v.elemType)}, where ${[...rule.types].map(dataTypeName).join(' or ')} is expected`);
    if (rule.rank !== undefined && v.shape && v.shape.length !== rule.rank) problems.push(`input ${v.name} has rank ${v.shape.length}, where ${rule.rank} is expected`);
  }
  if (missing.length > 0) problems.unshift(`it has no input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const extra = inputs.filter((v) => !claimed.has(v.name) && !ADAPTED_INPUTS[component]?.includes(v.name));
  if (missing.length === 0 && rules.every((r) => r.name !== undefined) && extra.length > 0) {
    problems.push(`it needs input${extra.length > 1 ? 's' : ''} R2R Studio does not provide: ${extra.map(describeInput).join(', ')}`);
  }
  if (model.graph.outputs.length === 0) problems.push('it has no outputs');
  else if (!model.graph.outputs.some((o) => FLOATS.has(o.elemType))) problems.push(`none of its outputs (${model.graph.outputs.map(describeInput).join(', ')}) is a float tensor`);
  if (problems.length > 0 && (missing.length > 0 || !rules.every((r) => r.name !== undefined))) {
    problems.push(inputs.length > 0 ? `its inputs are ${inputs.map(describeInput).join(', ')}` : 'it has no inputs');
  }
  return problems;
}

/** refuses a model that is not this component, naming the file */
export function checkComponentGraph(component: ComponentName, model: Model, path: string): void {
  const problems = graphProblems(component, model);
  if (problems.length === 0) return;
  throw new UserError(
    'model-wrong-graph',
    `${path} is not a Stable Diffusion ${COMPONENT_LABELS[component]}: ${problems.join('; ')}`,
    `Each folder of the export holds its own component (${component}/model.onnx is the ${COMPONENT_LABELS[component]}). Export the model again with \`optimum-cli export onnx --task text-to-image\`, or put the right file back.`,
  );
}

export interface CheckedModelFolder extends ModelFolder {
  /** each component's structure (weights stay on disk), read from the user's own files */
  models: Record<ComponentName, Model>;
}

/**
 * The checks every user of a model folder runs before copying, adapting or loading
 * anything (`r2r models inspect` shows the same): each component reads as ONNX (not empty,
 * not truncated, its external data there and long enough), uses an opset onnxruntime runs,
 * and takes the inputs and gives the outputs R2R Studio works with. Every message names
 * the user's file.
 */
export function checkModelComponents(dir: string): CheckedModelFolder {
  const folder = openModelFolder(dir);
  const models = {} as Record<ComponentName, Model>;
  for (const c of COMPONENT_NAMES) {
    const path = folder.components[c]!;
    const model = readModel(path);
    checkOpset(model, path);
    checkComponentGraph(c, model, path);
    models[c] = model;
  }
  return { ...folder, models };
}
