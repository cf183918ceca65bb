import { UserError } from '../../common/errors';
import { KIND_SPELLINGS, parseKind } from '../vocabulary';
import type { RenderKind } from '../vocabulary';

/** `<category>/<garment>/<colorway>/<view>_<kind>.<ext>`, the tree 3D tools' exports are sorted into */
export const DEFAULT_LAYOUT = '{category}/{garment}/{colorway}/{view}_{kind}.{ext}';

const PLACEHOLDERS = ['category', 'garment', 'sku', 'name', 'colorway', 'view', 'kind', 'renderer', 'ext'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'avif'];

/** what a file's path says about it */
export interface LayoutMatch {
  sku: string;
  name: string | undefined;
  category: string | undefined;
  colorway: string;
  view: string;
  kind: RenderKind;
  renderer: string;
}

export interface Layout {
  template: string;
  /** the match for a path relative to the tree ('/' separators), or undefined when it does not fit */
  match(relPath: string): LayoutMatch | undefined;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function pattern(name: Placeholder): string {
  if (name === 'kind') return `(?<kind>${[...KIND_SPELLINGS].sort((a, b) => b.length - a.length).join('|')})`;
  if (name === 'ext') return `(?<ext>${IMAGE_EXTENSIONS.join('|')})`;
  return `(?<${name}>[^/]+?)`;
}

/**
 * Compiles a layout template: `{placeholder}` stands for one path part (never crossing '/'),
 * `*` for anything within a part, the rest is literal (case-insensitive). {sku} or {garment}
 * and {kind} are required; colorway defaults to 'default', view to 'front'.
 */
export function compileLayout(template: string = DEFAULT_LAYOUT): Layout {
  const bad = (why: string) => new UserError('bad-layout', `layout '${template}' ${why}`, `Example: --layout '{category}/{sku}_{view}_{kind}.png'. Placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}.`);
  if (!template || template.startsWith('/') || template.split('/').includes('..')) throw bad('must be a relative path pattern');
  const seen = new Set<string>();
  let source = '';
  let rest = template;
  while (rest.length) {
    const m = /^\{([a-z]+)\}/.exec(rest);
    if (m) {
      const name = m[1] as Placeholder;
      if (!PLACEHOLDERS.includes(name)) throw bad(`has an unknown placeholder {${name}}`);
      if (seen.has(name)) throw bad(`uses {${name}} twice`);
      seen.add(name);
      source += pattern(name);
      rest = rest.slice(m[0].length);
    } else if (rest[0] === '*') {
      source += '[^/]*?';
      rest = rest.slice(1);
    } else {
      source += escape(rest[0]!);
      rest = rest.slice(1);
    }
  }
  if (!seen.has('sku') && !seen.has('garment')) throw bad('needs {sku} or {garment} to tell garments apart');
  if (!seen.has('kind')) throw bad('needs {kind} (raster, raytrace or photo, as spelled in file names)');
  const re = new RegExp(`^${source}$`, 'i');
  return {
    template,
    match(relPath) {
      const g = re.exec(relPath)?.groups;
      if (!g) return undefined;
      const sku = (g.sku ?? g.garment)!.trim();
      if (!sku) return undefined;
      return {
        sku,
        name: g.name?.trim() || undefined,
        category: g.category?.trim() || undefined,
        colorway: g.colorway?.trim() || 'default',
        view: g.view?.trim() || 'front',
        kind: parseKind(g.kind!)!,
        renderer: g.renderer?.trim() ?? '',
      };
    },
  };
}
