import { DEFAULT_PARAMS, type GenerationParams } from './params';

const KEY = 'r2r-studio.params.v1';

/**
 * The parameters panel's values from the last visit (this browser's or window's storage),
 * over the defaults: a value of the wrong type, or one a newer build dropped, is left out.
 * The model and the negative embedding are not kept here: the backend remembers those
 * per library (the models service).
 */
export function loadParams(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): GenerationParams {
  const params = structuredClone(DEFAULT_PARAMS);
  let saved: unknown;
  try {
    saved = JSON.parse(storage?.getItem(KEY) ?? 'null');
  } catch {
    return params;
  }
  if (!saved || typeof saved !== 'object') return params;
  const out = params as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(saved as Record<string, unknown>)) {
    if (k === 'model' || k === 'negative' || !(k in out)) continue;
    if (typeof v === typeof out[k] && (typeof v !== 'number' || Number.isFinite(v))) out[k] = v;
  }
  if ((saved as { negativeKind?: unknown }).negativeKind === 'prompt') params.negative = { kind: 'prompt', text: String((saved as { negativeText?: unknown }).negativeText ?? '') };
  return params;
}

export function saveParams(p: GenerationParams, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  const { model: _model, negative, ...rest } = p;
  void _model;
  const kept = { ...rest, negativeKind: negative.kind, ...(negative.kind === 'prompt' ? { negativeText: negative.text } : {}) };
  try {
    storage?.setItem(KEY, JSON.stringify(kept));
  } catch {
    // storage full or refused (a private window): the values last for this visit only
  }
}
