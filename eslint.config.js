import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import svelteParser from 'svelte-eslint-parser';
import globals from 'globals';

const root = dirname(fileURLToPath(import.meta.url));

/** where a file lives: 'main/app', 'main', 'preload', 'renderer', 'tests' or 'other' */
function roomOf(projectPath) {
  if (projectPath.startsWith('main/app/')) return 'main/app';
  for (const room of ['main', 'preload', 'renderer', 'tests']) if (projectPath.startsWith(room + '/')) return room;
  return 'other';
}

/**
 * The layering of docs/architecture.md as one rule: what each room may import.
 * Only main/app/ touches Electron, the renderer talks to the backend through preload/ only,
 * and preload/ knows nothing of the renderer or main.
 */
const layers = {
  meta: {
    type: 'problem',
    messages: {
      electron: "only main/app/ (and preload/) may import 'electron'; {{room}} must run under plain Node",
      forbidden: '{{room}} must not import from {{target}}/ ({{why}})',
    },
    schema: [],
  },
  create(context) {
    const file = relative(root, context.filename).split('\\').join('/');
    const room = roomOf(file);
    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      if (specifier === 'electron' || specifier.startsWith('electron/')) {
        // bin/ launchers and configs may resolve electron's binary; code rooms may not
        if (room === 'main' || room === 'renderer' || room === 'tests') context.report({ node, messageId: 'electron', data: { room } });
        return;
      }
      if (!specifier.startsWith('.')) return;
      const target = roomOf(relative(root, resolve(dirname(context.filename), specifier)).split('\\').join('/') + '/');
      const rules = {
        main: { renderer: 'the backend never imports UI code', 'main/app': 'Electron code stays in the app shell' },
        'main/app': { renderer: 'the backend never imports UI code' },
        renderer: { main: 'the UI talks to the backend only through the preload API', 'main/app': 'the UI talks to the backend only through the preload API' },
        preload: { renderer: 'the API contract must not depend on the UI', main: 'the preload bridge exposes the contract, not the backend', 'main/app': 'the preload bridge exposes the contract, not the backend' },
      };
      const why = rules[room]?.[target];
      if (why) context.report({ node, messageId: 'forbidden', data: { room, target, why } });
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
      CallExpression: (n) =>
        n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal' && check(n, n.arguments[0].value),
    };
  },
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.scratch/**', 'tests/fixtures/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { r2r: { rules: { layers } } },
    rules: {
      'r2r/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
);
