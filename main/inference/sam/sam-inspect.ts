import { readModel } from '../onnx/read-model';
import { detectSamContract, type GraphNames, type SamContract } from './sam-contract';
import { findSamFiles, type SamFiles } from './sam-files';

function namesOf(path: string): GraphNames {
  const g = readModel(path).graph;
  // older exports list their weights among the graph inputs too
  const weights = new Set(g.initializers.map((t) => t.name));
  return { inputs: g.inputs.map((i) => i.name).filter((n) => !weights.has(n)), outputs: g.outputs.map((o) => o.name) };
}

/**
 * Checks a Segment Anything folder from the files' structure alone (no weights read, no
 * session started): cheap enough for the main process when the user picks a folder.
 */
export function inspectSamFolder(dir: string): { files: SamFiles; contract: SamContract } {
  const files = findSamFiles(dir);
  return { files, contract: detectSamContract(namesOf(files.encoder), namesOf(files.decoder), `model in ${files.dir}`) };
}
