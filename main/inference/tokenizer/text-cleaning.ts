/**
 * The text cleaning of openai/CLIP's simple_tokenizer: `basic_clean` (ftfy.fix_text, then
 * html.unescape twice, then strip) and `whitespace_clean`. ftfy's mojibake repair is not
 * reproduced; its deterministic character fixes (ligatures, full-width forms, curly quotes,
 * control characters, NFC) are, since prompts pasted from documents carry them.
 */

// the `regex` module's \s (unicode White_Space), used by whitespace_clean and the token pattern
export const WHITE_SPACE = '\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
// python's str.strip() also strips \x1c-\x1f (str.isspace)
const STRIPPED = WHITE_SPACE + '\\x1c-\\x1f';
const WHITESPACE_RUN = new RegExp(`[${WHITE_SPACE}]+`, 'g');
const EDGE_WHITESPACE = new RegExp(`^[${STRIPPED}]+|[${STRIPPED}]+$`, 'g');

// ftfy: fix_latin_ligatures, fix_character_width, uncurl_quotes, remove_control_chars
const LIGATURES = /[\u0132\u0133\u013f\u0140\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;
const FULL_WIDTH = /[\uff01-\uffee]/g;
const SINGLE_QUOTES = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_QUOTES = /[\u201c-\u201f]/g;
const CONTROL_CHARS = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}]/gu;

function ftfyCharacterFixes(text: string): string {
  return text
    .replace(LIGATURES, (c) => c.normalize('NFKC'))
    .replace(FULL_WIDTH, (c) => c.normalize('NFKC'))
    .replace(/\u3000/g, ' ')
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(CONTROL_CHARS, '')
    .normalize('NFC');
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '\u00a9', reg: '\u00ae',
  trade: '\u2122', hellip: '\u2026', mdash: '\u2014', ndash: '\u2013', lsquo: '\u2018', rsquo: '\u2019',
  ldquo: '\u201c', rdquo: '\u201d', laquo: '\u00ab', raquo: '\u00bb', deg: '\u00b0', times: '\u00d7',
  divide: '\u00f7', plusmn: '\u00b1', middot: '\u00b7', bull: '\u2022', euro: '\u20ac', pound: '\u00a3',
  yen: '\u00a5', cent: '\u00a2', sect: '\u00a7', para: '\u00b6', micro: '\u00b5', frac12: '\u00bd',
  frac14: '\u00bc', frac34: '\u00be', sup2: '\u00b2', sup3: '\u00b3', iexcl: '\u00a1', iquest: '\u00bf',
  szlig: '\u00df', aelig: '\u00e6', AElig: '\u00c6', oslash: '\u00f8', Oslash: '\u00d8', ccedil: '\u00e7',
  Ccedil: '\u00c7', ntilde: '\u00f1', Ntilde: '\u00d1', aring: '\u00e5', Aring: '\u00c5',
};
const ACCENTED: Record<string, string> = { acute: '\u0301', grave: '\u0300', circ: '\u0302', uml: '\u0308', tilde: '\u0303' };

// python's html.unescape replaces these invalid numeric references (windows-1252 c1 range)
const C1_REPLACEMENTS: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x02c6, 0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc,
  0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

// named references that python also decodes without the semicolon (html5's legacy names)
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg', 'deg', 'times', 'divide', 'plusmn', 'middot', 'pound', 'yen', 'cent', 'sect', 'para', 'micro', 'frac12', 'frac14', 'frac34', 'sup2', 'sup3', 'iexcl', 'iquest', 'szlig', 'aelig', 'AElig', 'oslash', 'Oslash', 'ccedil', 'Ccedil', 'ntilde', 'Ntilde', 'aring', 'Aring', 'laquo', 'raquo']);

function namedEntity(name: string): string | undefined {
  if (name in NAMED_ENTITIES) return NAMED_ENTITIES[name];
  // &eacute; &Uuml; ... : a latin letter and a combining accent, composed
  const m = /^([a-zA-Z])(acute|grave|circ|uml|tilde)$/.exec(name);
  if (m) {
    const composed = (m[1] + ACCENTED[m[2]!]).normalize('NFC');
    if (composed.length === 1) return composed;
  }
  return undefined;
}

function isInvalidCodePoint(code: number): boolean {
  return (code >= 0x1 && code <= 0x8) || code === 0xb || (code >= 0xe && code <= 0x1f) || (code >= 0x7f && code <= 0x9f) ||
    (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
}

/**
 * python's html.unescape for numeric references (with its replacement rules) and for the named
 * entities that occur in prompts; the full html5 table (2,231 names) is not carried.
 */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const hex = body[1] === 'x' || body[1] === 'X';
      const code = parseInt(body.slice(hex ? 2 : 1).replace(';', ''), hex ? 16 : 10);
      if (code in C1_REPLACEMENTS) return String.fromCodePoint(C1_REPLACEMENTS[code]!);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      if (isInvalidCodePoint(code)) return '';
      return String.fromCodePoint(code);
    }
    if (body.endsWith(';')) {
      const value = namedEntity(body.slice(0, -1));
      if (value !== undefined) return value;
    }
    // like python: the longest legacy name at the start, the rest kept as text
    for (let n = Math.min(body.length, 32); n > 1; n--) {
      const name = body.slice(0, n);
      const value = LEGACY.has(name) ? NAMED_ENTITIES[name] : namedEntity(name);
      // html5's legacy names: those above and the latin-1 accented letters
      if (value !== undefined && (LEGACY.has(name) || value.charCodeAt(0) <= 0xff)) return value + body.slice(n);
    }
    return whole;
  });
}

export function basicClean(text: string): string {
  return htmlUnescape(htmlUnescape(ftfyCharacterFixes(text))).replace(EDGE_WHITESPACE, '');
}

export function whitespaceClean(text: string): string {
  return text.replace(WHITESPACE_RUN, ' ').replace(EDGE_WHITESPACE, '');
}
