import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { projectRoot } from '../../common/version';

/** CLIP's byte-to-unicode table: printable bytes map to themselves, the rest to 256+ */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return table;
}

export interface ClipVocab {
  /** token string -> id, 49,408 entries */
  vocab: Map<string, number>;
  /** merge rules in priority order, each "left right" */
  merges: string[];
}

/**
 * Builds CLIP's vocabulary from OpenAI's `bpe_simple_vocab_16e6.txt.gz`, the way
 * clip/simple_tokenizer.py does: the 256 byte symbols, the same with `</w>`, one token per
 * merge (the first 48,894), then `<|startoftext|>` and `<|endoftext|>`.
 */
export function clipVocabFromBpeGz(gz: Uint8Array): ClipVocab {
  const lines = gunzipSync(gz).toString('utf8').split('\n');
  const merges = lines.slice(1, 49152 - 256 - 2 + 1);
  // vocabulary order is clip's: the printable bytes first, then the remapped ones
  const table = bytesToUnicode();
  const byteSymbols = [...table.filter((s) => s.codePointAt(0)! < 256), ...table.filter((s) => s.codePointAt(0)! >= 256)];
  const tokens = [...byteSymbols, ...byteSymbols.map((s) => s + '</w>'), ...merges.map((m) => m.replace(' ', ''))];
  tokens.push('<|startoftext|>', '<|endoftext|>');
  const vocab = new Map<string, number>();
  tokens.forEach((t, i) => vocab.set(t, i));
  return { vocab, merges };
}

/** the CLIP vocabulary shipped with the app (resources/clip, MIT licence beside it) */
export function bundledClipVocab(): ClipVocab {
  return clipVocabFromBpeGz(readFileSync(join(projectRoot(), 'resources/clip/bpe_simple_vocab_16e6.txt.gz')));
}

/** `tokenizer/vocab.json` and `merges.txt` as Hugging Face's CLIPTokenizer writes them */
export function clipTokenizerFiles(v: ClipVocab): { vocabJson: string; mergesTxt: string } {
  return {
    vocabJson: JSON.stringify(Object.fromEntries(v.vocab)),
    mergesTxt: ['#version: 0.2', ...v.merges].join('\n') + '\n',
  };
}
