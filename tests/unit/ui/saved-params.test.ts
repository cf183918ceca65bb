import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../../renderer/src/lib/params';
import { loadParams, saveParams } from '../../../renderer/src/lib/saved-params';

function memory(): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) } as Storage & { data: Map<string, string> };
}

describe('the parameters panel values kept across reloads', () => {
  it('round-trips the values, but not the model or the embedding path (the backend keeps those per library)', () => {
    const s = memory();
    saveParams({ ...DEFAULT_PARAMS, model: '/m', steps: 30, strength: 0.45, maxSide: 256, prompt: 'studio light', negative: { kind: 'embedding', path: '/e.safetensors' } }, s);
    const back = loadParams(s);
    expect(back).toEqual({ ...DEFAULT_PARAMS, steps: 30, strength: 0.45, maxSide: 256, prompt: 'studio light' });
    expect([...s.data.values()][0]).not.toContain('/m');
  });

  it('keeps a negative prompt, and drops values of the wrong type or unknown keys', () => {
    const s = memory();
    saveParams({ ...DEFAULT_PARAMS, negative: { kind: 'prompt', text: 'cgi, render' } }, s);
    expect(loadParams(s).negative).toEqual({ kind: 'prompt', text: 'cgi, render' });
    s.data.set([...s.data.keys()][0]!, JSON.stringify({ steps: 'many', strength: null, guidance: 5, bogus: 1 }));
    expect(loadParams(s)).toEqual({ ...DEFAULT_PARAMS, guidance: 5 });
    s.data.set([...s.data.keys()][0]!, '{not json');
    expect(loadParams(s)).toEqual(DEFAULT_PARAMS);
    expect(loadParams(undefined)).toEqual(DEFAULT_PARAMS);
  });
});
