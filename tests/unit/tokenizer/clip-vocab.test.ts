import { describe, expect, it } from 'vitest';
import { bundledClipVocab, clipTokenizerFiles } from '../../../main/inference/tokenizer/clip-vocab';

describe('clip vocabulary from the bpe file', () => {
  const v = bundledClipVocab();

  it('has the 49,408 tokens and 48,894 merges of CLIP', () => {
    expect(v.vocab.size).toBe(49408);
    expect(v.merges.length).toBe(48894);
  });

  it('places tokens at the ids the reference tokenizer uses', () => {
    // ids from shared/data/clip/tokenizer_cases.json ("a photograph of ...")
    expect(v.vocab.get('a</w>')).toBe(320);
    expect(v.vocab.get('photograph</w>')).toBe(8853);
    expect(v.vocab.get('<|startoftext|>')).toBe(49406);
    expect(v.vocab.get('<|endoftext|>')).toBe(49407);
  });

  it('writes vocab.json and merges.txt that round-trip', () => {
    const files = clipTokenizerFiles(v);
    const vocab = JSON.parse(files.vocabJson) as Record<string, number>;
    expect(Object.keys(vocab).length).toBe(49408);
    expect(files.mergesTxt.split('\n')[0]).toBe('#version: 0.2');
    expect(files.mergesTxt.trim().split('\n').length).toBe(48895);
  });
});
