import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../main/common/version';
import { isUserError } from '../../../main/common/errors';
import { ClipTokenizer } from '../../../main/inference/tokenizer/clip-tokenizer';
import { bundledClipVocab, clipTokenizerFiles } from '../../../main/inference/tokenizer/clip-vocab';
import { basicClean, htmlUnescape, whitespaceClean } from '../../../main/inference/tokenizer/text-cleaning';

interface Cases {
  sot: number;
  eot: number;
  cases: { text: string; ids: number[] }[];
}
const shared = JSON.parse(readFileSync(path.resolve(projectRoot(), '../shared/data/clip/tokenizer_cases.json'), 'utf8')) as Cases;
const extra = JSON.parse(readFileSync(path.join(import.meta.dirname, 'simple-tokenizer-cases.json'), 'utf8')) as Cases;

const tmp = mkdtempSync(path.join(tmpdir(), 'r2r-tok-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function modelFolder(name: string, config: Record<string, unknown> | null): string {
  const dir = path.join(tmp, name, 'tokenizer');
  mkdirSync(dir, { recursive: true });
  const files = clipTokenizerFiles(bundledClipVocab());
  writeFileSync(path.join(dir, 'vocab.json'), files.vocabJson);
  writeFileSync(path.join(dir, 'merges.txt'), files.mergesTxt);
  if (config) writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return path.join(tmp, name);
}

const sd15Config = {
  add_prefix_space: false,
  bos_token: { __type: 'AddedToken', content: '<|startoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
  do_lower_case: true,
  eos_token: { __type: 'AddedToken', content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
  errors: 'replace',
  model_max_length: 77,
  pad_token: '<|endoftext|>',
  tokenizer_class: 'CLIPTokenizer',
  unk_token: { __type: 'AddedToken', content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
};

describe('clip tokenizer against openai simple_tokenizer', () => {
  const bundled = ClipTokenizer.bundled();
  const fromFolder = ClipTokenizer.fromModelFolder(modelFolder('sd15', sd15Config));

  it.each(shared.cases)('shared case "$text"', ({ text, ids }) => {
    expect(bundled.encode(text)).toEqual(ids);
    expect(fromFolder.encode(text)).toEqual(ids);
  });

  it.each(extra.cases)('reference run "$text"', ({ text, ids }) => {
    expect(bundled.encode(text)).toEqual(ids);
    expect(fromFolder.encode(text)).toEqual(ids);
  });

  it('uses the start and end ids of the reference', () => {
    expect(bundled.bosId).toBe(shared.sot);
    expect(bundled.eosId).toBe(shared.eot);
    expect(bundled.vocabSize).toBe(49408);
  });

  it('gives the same ids from its cache as on first sight', () => {
    const t = ClipTokenizer.bundled();
    const first = t.encode(shared.cases[0]!.text);
    expect(t.encode(shared.cases[0]!.text)).toEqual(first);
  });
});

describe('padding and truncation', () => {
  it('pads with <|endoftext|> to 77 for SD 1.5', () => {
    const t = ClipTokenizer.fromModelFolder(modelFolder('pad-eot', sd15Config));
    const { ids, length, truncated } = t.tokenize(shared.cases[0]!.text);
    const body = shared.cases[0]!.ids;
    expect(ids.length).toBe(77);
    expect(length).toBe(body.length + 2);
    expect(truncated).toBe(false);
    expect(Array.from(ids.slice(0, length))).toEqual([49406, ...body, 49407]);
    expect(Array.from(ids.slice(length)).every((v) => v === 49407)).toBe(true);
  });

  it('pads with "!" when the config says so (SD 2.x)', () => {
    const t = ClipTokenizer.fromModelFolder(modelFolder('pad-bang', { ...sd15Config, pad_token: '!' }));
    const { ids, length } = t.tokenize(shared.cases[1]!.text);
    expect(Array.from(ids.slice(length))).toEqual(new Array(77 - length).fill(0)); // "!" is id 0
    expect(ids[length - 1]).toBe(49407);
  });

  it('follows model_max_length and keeps the end token when cutting', () => {
    const t = ClipTokenizer.fromModelFolder(modelFolder('short', { ...sd15Config, model_max_length: 8 }));
    const body = shared.cases[0]!.ids; // 11 tokens
    const out = t.tokenize(shared.cases[0]!.text);
    expect(out.truncated).toBe(true);
    expect(Array.from(out.ids)).toEqual([49406, ...body.slice(0, 6), 49407]);
  });

  it('cuts a long prompt to 77 with the end token last', () => {
    const t = ClipTokenizer.bundled();
    const out = t.tokenize(new Array(100).fill('red').join(' '));
    expect(out.ids.length).toBe(77);
    expect(out.truncated).toBe(true);
    expect(out.ids[76]).toBe(49407);
    expect(out.ids[0]).toBe(49406);
  });

  it('uses defaults without tokenizer_config.json and ignores the unbounded length sentinel', () => {
    expect(ClipTokenizer.fromModelFolder(modelFolder('noconf', null)).modelMaxLength).toBe(77);
    expect(ClipTokenizer.fromModelFolder(modelFolder('huge', { model_max_length: 1000000000000000019884624838656 })).modelMaxLength).toBe(77);
  });

  it('batches rows of 77', () => {
    const t = ClipTokenizer.bundled();
    const c = shared.cases[1]!;
    const batch = t.tokenizeBatch(['', c.text]);
    expect(batch.length).toBe(154);
    expect(Array.from(batch.slice(0, 3))).toEqual([49406, 49407, 49407]);
    expect(Array.from(batch.slice(77, 77 + c.ids.length + 2))).toEqual([49406, ...c.ids, 49407]);
  });
});

describe('added tokens for textual inversion', () => {
  it('gives new ids after the vocabulary and expands multi-vector tokens', () => {
    const t = ClipTokenizer.bundled();
    const neg = t.addToken('<neg>', 4);
    expect(neg).toEqual([49408, 49409, 49410, 49411]);
    expect(t.addToken('<style>')).toEqual([49412]);
    expect(t.vocabSize).toBe(49413);
    expect(t.addedIds).toEqual([49408, 49409, 49410, 49411, 49412]);
    const a = shared.cases[0]!;
    expect(t.encode(`<neg> ${a.text}`)).toEqual([...neg, ...a.ids]);
    expect(t.encode(`${a.text},<neg><style>`)).toEqual([...a.ids, 267, ...neg, 49412]);
    const { ids, length } = t.tokenize('<neg>');
    expect(Array.from(ids.slice(0, length))).toEqual([49406, ...neg, 49407]);
  });

  it('matches added tokens before BPE, longest first, case-sensitively', () => {
    const t = ClipTokenizer.bundled();
    const short = t.addToken('<n>');
    const long = t.addToken('<n>-x', 2);
    expect(t.encode('<n>-x<n>')).toEqual([...long, ...short]);
    // not the token: tokenized as plain text
    const plain = ClipTokenizer.bundled();
    expect(t.encode('<N>')).toEqual(plain.encode('<N>'));
  });

  it('returns the same ids when a token is added twice with the same size', () => {
    const t = ClipTokenizer.bundled();
    expect(t.addToken('<a>', 2)).toEqual(t.addToken('<a>', 2));
    expect(() => t.addToken('<a>', 3)).toThrow(/already added/);
  });

  it('refuses words of the vocabulary, empty names and bad counts', () => {
    const t = ClipTokenizer.bundled();
    for (const bad of [() => t.addToken('dress</w>'), () => t.addToken(''), () => t.addToken('<x>', 0), () => t.addToken('<x>', 1.5)]) {
      try {
        bad();
        expect.unreachable();
      } catch (err) {
        expect(isUserError(err)).toBe(true);
      }
    }
  });
});

describe('text cleaning', () => {
  it('unescapes html twice like python html.unescape', () => {
    expect(basicClean('&amp;lt;b&amp;gt; caf&eacute; &#233; &#x41; &#150; &#0;')).toBe('<b> café é A \u2013 \ufffd');
    // expectations from python 3 html.unescape
    expect(htmlUnescape('&unknown; & &amp')).toBe('&unknown; & &');
    expect(htmlUnescape('&ampx &lt;b &copy2 &#150; &#0; &#1; &#xfffe; &eacute &eacute;')).toBe('&x <b ©2 \u2013 \ufffd   é é');
  });

  it('applies the character fixes of ftfy so pasted prompts tokenize like typed ones', () => {
    const t = ClipTokenizer.bundled();
    expect(t.encode('\u201cit\u2019s \ufb01ne\u201d')).toEqual(t.encode('"it\'s fine"'));
    expect(t.encode('ＡＢＣ１')).toEqual(t.encode('abc1'));
    expect(t.encode('cafe\u0301')).toEqual(t.encode('café'));
  });

  it('collapses unicode whitespace', () => {
    expect(whitespaceClean('\u2003a\u00a0\u00a0b\t\nc\u3000')).toBe('a b c');
  });

  it('reads a folder with broken files as a user error naming the file', () => {
    const dir = modelFolder('broken', sd15Config);
    writeFileSync(path.join(dir, 'tokenizer', 'vocab.json'), '{not json');
    expect(() => ClipTokenizer.fromModelFolder(dir)).toThrow(/vocab\.json/);
    expect(() => ClipTokenizer.fromModelFolder(path.join(tmp, 'nothing-here'))).toThrow(/merges\.txt|vocab\.json/);
  });
});
