import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { bundledClipVocab, bytesToUnicode, type ClipVocab } from './clip-vocab';
import { basicClean, WHITE_SPACE, whitespaceClean } from './text-cleaning';

/** what tokenizer_config.json says about length and special tokens */
export interface ClipTokenizerConfig {
  modelMaxLength: number;
  bosToken: string;
  eosToken: string;
  padToken: string;
  unkToken: string;
}

export const DEFAULT_CLIP_CONFIG: ClipTokenizerConfig = {
  modelMaxLength: 77,
  bosToken: '<|startoftext|>',
  eosToken: '<|endoftext|>',
  padToken: '<|endoftext|>',
  unkToken: '<|endoftext|>',
};

export interface TokenizedText {
  /** modelMaxLength ids: start token, the text's ids, end token, padding */
  ids: Int32Array;
  /** ids before padding, start and end tokens included */
  length: number;
  /** the text had more tokens than fit and was cut (the end token is kept) */
  truncated: boolean;
}

// clip's token pattern; `\s` spelled as the `regex` module's White_Space so javascript agrees
const TOKEN_PATTERN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${WHITE_SPACE}\\p{L}\\p{N}]+`,
  'giu',
);

// huggingface writes this when a tokenizer has no length limit
const HF_UNBOUNDED_LENGTH = 1e12;

/**
 * CLIP's byte-level BPE tokenizer, as openai/CLIP's simple_tokenizer.py does it: clean the
 * text, lower-case it, split it with the token pattern, map utf-8 bytes to symbols, merge
 * symbol pairs by rank. Added tokens (textual inversion) are matched in the raw text first.
 */
export class ClipTokenizer {
  readonly config: ClipTokenizerConfig;
  private readonly vocab: Map<string, number>;
  private readonly ranks: Map<string, number>;
  private readonly byteSymbols = bytesToUnicode();
  private readonly cache = new Map<string, number[]>();
  private readonly added = new Map<string, number[]>();
  private addedPattern: RegExp | null = null;
  private nextId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  private readonly unkId: number;

  constructor(source: ClipVocab, config: Partial<ClipTokenizerConfig> = {}) {
    this.config = { ...DEFAULT_CLIP_CONFIG, ...config };
    this.vocab = source.vocab;
    this.ranks = new Map(source.merges.map((m, i) => [m, i]));
    let maxId = -1;
    for (const id of this.vocab.values()) maxId = Math.max(maxId, id);
    this.nextId = maxId + 1;
    const idOf = (token: string, key: string): number => {
      const id = this.vocab.get(token);
      if (id === undefined) {
        throw new UserError('tokenizer-special-token', `The tokenizer's ${key} "${token}" is not in its vocabulary.`, 'Check tokenizer_config.json against vocab.json, or re-export the model.');
      }
      return id;
    };
    this.bosId = idOf(this.config.bosToken, 'bos_token');
    this.eosId = idOf(this.config.eosToken, 'eos_token');
    this.padId = idOf(this.config.padToken, 'pad_token');
    this.unkId = idOf(this.config.unkToken, 'unk_token');
    for (const special of [this.config.bosToken, this.config.eosToken]) this.cache.set(special, [this.vocab.get(special)!]);
  }

  /** the vocabulary shipped with the app (bpe_simple_vocab_16e6.txt.gz) and SD 1.x settings */
  static bundled(config: Partial<ClipTokenizerConfig> = {}): ClipTokenizer {
    return new ClipTokenizer(bundledClipVocab(), config);
  }

  /** a model folder's `tokenizer/` (vocab.json, merges.txt, tokenizer_config.json), or that folder itself */
  static fromModelFolder(folder: string): ClipTokenizer {
    const dir = existsSync(join(folder, 'tokenizer', 'vocab.json')) ? join(folder, 'tokenizer') : folder;
    const vocabPath = join(dir, 'vocab.json');
    const mergesPath = join(dir, 'merges.txt');
    for (const p of [vocabPath, mergesPath]) {
      if (!existsSync(p)) throw new UserError('tokenizer-missing', `The model folder has no ${p}.`, 'A Stable Diffusion ONNX folder needs tokenizer/vocab.json and tokenizer/merges.txt (as `optimum-cli export onnx` writes them).');
    }
    return new ClipTokenizer(readVocabFiles(vocabPath, mergesPath), readTokenizerConfig(dir));
  }

  get modelMaxLength(): number {
    return this.config.modelMaxLength;
  }

  /** size of the vocabulary including added tokens: the rows the text encoder's table must have */
  get vocabSize(): number {
    return this.nextId;
  }

  /** the ids of the tokens added so far, in order (49408.. for CLIP) */
  get addedIds(): number[] {
    return [...this.added.values()].flat().sort((a, b) => a - b);
  }

  /**
   * Adds a textual-inversion token that stands for `nVectors` embedding vectors and returns
   * their new ids. Adding the same token again with the same count returns the same ids.
   */
  addToken(token: string, nVectors = 1): number[] {
    if (token.length === 0 || token.trim() !== token) {
      throw new UserError('tokenizer-bad-token', `The added token "${token}" is empty or has spaces at its ends.`, 'Name embedding tokens like <my-token>.');
    }
    if (!Number.isInteger(nVectors) || nVectors < 1) {
      throw new UserError('tokenizer-bad-token', `The added token "${token}" needs a whole number of vectors (got ${nVectors}).`, 'Check the embedding file: it should hold one or more vectors.');
    }
    const existing = this.added.get(token);
    if (existing) {
      if (existing.length === nVectors) return [...existing];
      throw new UserError('tokenizer-token-exists', `The token "${token}" was already added with ${existing.length} vectors, not ${nVectors}.`, 'Give each embedding its own token name.');
    }
    if (this.vocab.has(token)) {
      throw new UserError('tokenizer-token-exists', `The token "${token}" is already a word of the CLIP vocabulary.`, 'Pick a token name that is not a plain word, e.g. <my-token>.');
    }
    const ids = Array.from({ length: nVectors }, (_, i) => this.nextId + i);
    this.nextId += nVectors;
    this.added.set(token, ids);
    // longest tokens first so that "<neg-2>" is not read as "<neg" + ...
    const alternatives = [...this.added.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.addedPattern = new RegExp(alternatives.join('|'), 'g');
    return [...ids];
  }

  /** the text's ids without start/end tokens; added tokens expand to all their vectors */
  encode(text: string): number[] {
    if (!this.addedPattern) return this.encodePlain(text);
    const ids: number[] = [];
    let last = 0;
    for (const m of text.matchAll(this.addedPattern)) {
      ids.push(...this.encodePlain(text.slice(last, m.index)), ...this.added.get(m[0])!);
      last = m.index + m[0].length;
    }
    ids.push(...this.encodePlain(text.slice(last)));
    return ids;
  }

  /** start token, ids, end token, padded or cut to the model's length */
  tokenize(text: string): TokenizedText {
    const max = this.config.modelMaxLength;
    const body = this.encode(text);
    const room = max - 2;
    const truncated = body.length > room;
    const kept = truncated ? body.slice(0, room) : body;
    const ids = new Int32Array(max).fill(this.padId);
    ids[0] = this.bosId;
    ids.set(kept, 1);
    ids[kept.length + 1] = this.eosId;
    return { ids, length: kept.length + 2, truncated };
  }

  /** [texts.length, modelMaxLength] ids, row-major */
  tokenizeBatch(texts: readonly string[]): Int32Array {
    const max = this.config.modelMaxLength;
    const out = new Int32Array(texts.length * max);
    texts.forEach((t, i) => out.set(this.tokenize(t).ids, i * max));
    return out;
  }

  private encodePlain(text: string): number[] {
    const ids: number[] = [];
    const clean = whitespaceClean(basicClean(text)).toLowerCase();
    for (const m of clean.matchAll(TOKEN_PATTERN)) {
      const word = m[0];
      let cached = this.cache.get(word);
      if (!cached) {
        let symbols = '';
        for (const b of new TextEncoder().encode(word)) symbols += this.byteSymbols[b];
        cached = this.bpe(symbols).map((s) => this.vocab.get(s) ?? this.unkId);
        this.cache.set(word, cached);
      }
      ids.push(...cached);
    }
    return ids;
  }

  private bpe(token: string): string[] {
    const chars = [...token];
    let word = chars.slice(0, -1);
    word.push(chars[chars.length - 1] + '</w>');
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(word[i] + ' ' + word[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best]!;
      const second = word[best + 1]!;
      // merge every occurrence of the pair, left to right, as simple_tokenizer does
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (word[i] === first && i < word.length - 1 && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]!);
          i += 1;
        }
      }
      word = merged;
    }
    return word;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** vocab.json + merges.txt as Hugging Face's CLIPTokenizer writes them */
export function readVocabFiles(vocabPath: string, mergesPath: string): ClipVocab {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(vocabPath, 'utf8'));
  } catch (err) {
    throw new UserError('tokenizer-bad-vocab', `${vocabPath} is not valid JSON: ${(err as Error).message}`, 'Re-export the model or copy vocab.json again.');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('tokenizer-bad-vocab', `${vocabPath} should map tokens to ids.`, 'Re-export the model or copy vocab.json again.');
  }
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new UserError('tokenizer-bad-vocab', `${vocabPath} gives "${token}" the id ${JSON.stringify(id)}, not a token id.`, 'Re-export the model or copy vocab.json again.');
    }
    vocab.set(token, id);
  }
  const merges = readFileSync(mergesPath, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l, i) => l.length > 0 && !(i === 0 && l.startsWith('#version')));
  for (const m of merges) {
    if (m.split(' ').length !== 2) {
      throw new UserError('tokenizer-bad-merges', `${mergesPath} has a line that is not a pair of symbols: "${m.slice(0, 60)}".`, 'Re-export the model or copy merges.txt again.');
    }
  }
  return { vocab, merges };
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** tokenizer_config.json (and special_tokens_map.json) of a tokenizer folder; absent files give CLIP's defaults */
export function readTokenizerConfig(dir: string): ClipTokenizerConfig {
  const read = (name: string): Record<string, unknown> => {
    const p = join(dir, name);
    if (!existsSync(p)) return {};
    try {
      const v = JSON.parse(readFileSync(p, 'utf8')) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch (err) {
      throw new UserError('tokenizer-bad-config', `${p} is not valid JSON: ${(err as Error).message}`, 'Fix or remove the file; CLIP defaults are used without it.');
    }
  };
  const merged = { ...read('special_tokens_map.json'), ...read('tokenizer_config.json') };
  const config = { ...DEFAULT_CLIP_CONFIG };
  const length = merged.model_max_length;
  if (length !== undefined && length !== null) {
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 3) {
      throw new UserError('tokenizer-bad-config', `${join(dir, 'tokenizer_config.json')} has model_max_length ${JSON.stringify(length)}.`, 'Set it to the text encoder\'s length (77 for CLIP).');
    }
    if (length < HF_UNBOUNDED_LENGTH) config.modelMaxLength = length;
  }
  config.bosToken = tokenText(merged.bos_token) ?? config.bosToken;
  config.eosToken = tokenText(merged.eos_token) ?? config.eosToken;
  config.unkToken = tokenText(merged.unk_token) ?? config.unkToken;
  config.padToken = tokenText(merged.pad_token) ?? config.padToken;
  return config;
}
