/** the values a naming template can use */
export interface NameFields {
  sku: string;
  colorway: string;
  view: string;
  /** raster | raytrace | realistic */
  kind: string;
  category: string;
  name: string;
  /** marketplace slot, e.g. Amazon's MAIN, BACK, PT01 */
  slot: string;
  /** 1-based position in the export plan */
  index: number;
  ext: string;
}

export const NAME_FIELDS: readonly (keyof NameFields)[] = ['sku', 'colorway', 'view', 'kind', 'category', 'name', 'slot', 'index', 'ext'];

const PLACEHOLDER = /\{([a-zA-Z]+)\}/g;

/** problems with a template, empty when it is usable */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!NAME_FIELDS.includes(m[1] as keyof NameFields)) {
      problems.push(`unknown placeholder {${m[1]}} (known: ${NAME_FIELDS.map((f) => `{${f}}`).join(' ')})`);
    }
  }
  if (!template.endsWith('.{ext}')) problems.push('must end with .{ext}');
  if (template.startsWith('/') || template.split('/').some((s) => s === '..' || s === '')) {
    problems.push('must be a relative path without empty or .. segments');
  }
  return problems;
}

// unsafe on windows (and ':' on classic macOS); '/' separates folders everywhere
const UNSAFE_CHARS = /[<>:"/\\|?*\x00-\x1f\x7f]/g;
// windows device names, also with any extension ("con.txt"), plus the superscript COM/LPT forms
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
export const MAX_NAME_BYTES = 255;

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/**
 * One path segment safe on Windows, macOS and Linux: unsafe characters become `_`,
 * leading spaces and trailing dots/spaces go, device names get a `_` prefix, and the name
 * fits 255 UTF-8 bytes (so also 255 UTF-16 units) keeping its extension.
 */
export function sanitizeSegment(segment: string): string {
  let s = segment.normalize('NFC').replace(UNSAFE_CHARS, '_');
  s = s.replace(/^ +/, '').replace(/[. ]+$/, '');
  if (s === '' || s === '.' || s === '..') s = '_';
  const stem = s.split('.')[0]!;
  if (RESERVED.test(stem.trimEnd())) s = '_' + s;
  if (Buffer.byteLength(s, 'utf8') > MAX_NAME_BYTES) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? s.slice(dot) : '';
    s = truncateUtf8(s.slice(0, s.length - ext.length), MAX_NAME_BYTES - Buffer.byteLength(ext, 'utf8')).replace(/[. ]+$/, '') + ext;
  }
  return s;
}

/** a template filled with sanitized values; values never introduce folders */
export function renderTemplate(template: string, fields: NameFields): string {
  const filled = template.replace(PLACEHOLDER, (_, key: string) => {
    const v = String(fields[key as keyof NameFields] ?? '');
    return v.replace(/[/\\]/g, '_');
  });
  return filled.split('/').map(sanitizeSegment).join('/');
}

/** an outfit's dressed shot: `<combo slug>_<view>.<ext>`, one safe segment */
export function outfitFileName(comboSlug: string, view: string, ext: string): string {
  return sanitizeSegment(`${comboSlug.replace(/[/\\]/g, '_')}_${view.replace(/[/\\]/g, '_')}.${ext}`);
}

/** case- and normalization-insensitive key, as case-insensitive file systems (NTFS, APFS) compare names */
export function nameKey(relPath: string): string {
  return relPath.normalize('NFC').toLowerCase();
}

/**
 * Resolves collisions in order: the first holder keeps the name, later ones get `_2`, `_3`, ...
 * before the extension. `taken` holds names already used (existing files, reserved names).
 */
export function resolveCollisions(names: string[], taken: Iterable<string> = []): string[] {
  const used = new Set([...taken].map(nameKey));
  return names.map((name) => {
    let candidate = name;
    const slash = name.lastIndexOf('/');
    const dir = name.slice(0, slash + 1);
    const base = name.slice(slash + 1);
    const dot = base.lastIndexOf('.');
    const stem = dot > 0 ? base.slice(0, dot) : base;
    const ext = dot > 0 ? base.slice(dot) : '';
    for (let n = 2; used.has(nameKey(candidate)); n++) {
      const suffix = `_${n}`;
      const room = MAX_NAME_BYTES - Buffer.byteLength(suffix + ext, 'utf8');
      candidate = dir + truncateUtf8(stem, room) + suffix + ext;
    }
    used.add(nameKey(candidate));
    return candidate;
  });
}

const VIEW_ORDER = ['front', 'back', 'left', 'right', 'three-quarter'];

/** sorts views front, back, left, right, three-quarter, then custom ones alphabetically */
export function compareViews(a: string, b: string): number {
  const ia = VIEW_ORDER.indexOf(a);
  const ib = VIEW_ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface SlotNames {
  main: string;
  back: string;
  /** pattern for the other images; {nn} is a two-digit counter from 01 */
  other: string;
}

/**
 * Marketplace slots for one product's images, given in export order: the front view is the
 * main image (the first image when there is no front), the first back view is BACK, the rest
 * are numbered.
 */
export function assignSlots(views: string[], names: SlotNames): string[] {
  const mainAt = views.indexOf('front') >= 0 ? views.indexOf('front') : 0;
  const backAt = views.findIndex((v, i) => v === 'back' && i !== mainAt);
  let n = 0;
  return views.map((_, i) => {
    if (i === mainAt) return names.main;
    if (i === backAt) return names.back;
    n += 1;
    return names.other.replace('{nn}', String(n).padStart(2, '0'));
  });
}
