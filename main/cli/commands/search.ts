import { UserError } from '../../common/errors';
import { searchGarments } from '../../catalog/queries/garments';
import { openLibrary } from '../../catalog/library';
import { RENDER_KINDS } from '../../catalog/vocabulary';
import type { RenderKind } from '../../catalog/vocabulary';
import type { CliCommand } from '../command';
import { needString, optNumber, optString, printResult } from '../command';

export const searchCommand: CliCommand = {
  name: 'search',
  summary: 'find garments in a library by category, text, render kind or generations',
  usage: '--library <lib> [--category C] [--text Q] [--kind raster|raytrace|photo] [--has-generation] [--limit N] [--offset N] [--json]',
  options: {
    library: { type: 'string', help: 'library folder to search' },
    category: { type: 'string', help: 'only garments of this category' },
    text: { type: 'string', help: 'full-text search over SKU, name, tags and category (word prefixes match)' },
    kind: { type: 'string', help: 'only garments with a render of this kind: raster, raytrace or photo' },
    'has-generation': { type: 'boolean', help: 'only garments with at least one generated shot' },
    limit: { type: 'string', help: 'garments per page, 1-1000 (default 50)' },
    offset: { type: 'string', help: 'garments to skip, for paging (default 0)' },
    json: { type: 'boolean', help: 'print the page (total, garments with their renders) as JSON' },
  },
  async run(ctx) {
    const kind = optString(ctx, 'kind');
    if (kind !== undefined && !(RENDER_KINDS as readonly string[]).includes(kind)) {
      throw new UserError('bad-option', `--kind must be one of ${RENDER_KINDS.join(', ')}, got '${kind}'`);
    }
    const lib = openLibrary(needString(ctx, 'library'));
    try {
      const page = searchGarments(lib, {
        category: optString(ctx, 'category'),
        text: optString(ctx, 'text'),
        kind: kind as RenderKind | undefined,
        hasGeneration: ctx.values['has-generation'] ? true : undefined,
        limit: optNumber(ctx, 'limit', 50, 1, 1000),
        offset: optNumber(ctx, 'offset', 0, 0),
      });
      printResult(ctx, page, () =>
        [
          `${page.total} garment(s)${page.total > page.garments.length ? `, showing ${page.garments.length}` : ''}`,
          ...page.garments.map((g) => `  ${g.sku.padEnd(12)} ${g.name} [${g.categoryName}] ${g.renders.length} render(s)`),
        ].join('\n'),
      );
      return 0;
    } finally {
      lib.close();
    }
  },
};
