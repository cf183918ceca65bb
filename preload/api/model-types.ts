/** The studio's model list: model folders and negative embeddings added once, then picked. */

export type ModelKind = 'model' | 'embedding';

export interface ModelEntryRecord {
  kind: ModelKind;
  /** absolute path of the model folder or the embedding file */
  path: string;
  name: string;
  /** bytes on disk when it was added */
  bytes: number;
  /** what it is, e.g. 'SD 1.x ONNX, float32, 4 components' or '1 vector × 768 (safetensors)' */
  summary: string;
  /** a model folder's adaptation state for TAC (empty for embeddings) */
  adaptation: string;
  /** epoch milliseconds */
  addedAt: number;
  /** set when the path is no longer there */
  missing?: boolean;
}

/** the picked model folder and negative embedding (null: none picked) */
export interface ModelChoiceRecord {
  model: string | null;
  embedding: string | null;
}
