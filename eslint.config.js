import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import svelteParser from 'svelte-eslint-parser';
import globals from 'globals';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The rooms of main/, lowest first, and what each may import besides itself (docs/architecture.md):
 * common < catalog, inference, metrics < shots < jobs, remote < export < api < server, cli, app.
 * Every room may also import preload/ (the typed API contract). catalog, inference and metrics
 * are peers that know nothing of each other; cli also hosts the HTTP server (`r2r serve`).
 */
const BELOW_SHOTS = ['common', 'catalog', 'inference', 'metrics'];
const BELOW_API = [...BELOW_SHOTS, 'shots', 'jobs', 'remote', 'export', 'swatch'];
const MAIN_ROOMS = {
  common: [],
  catalog: ['common'],
  inference: ['common'],
  metrics: ['common'],
  // textile swatches from garment pictures: pure image math over the metrics' planes and SSIM
  swatch: ['common', 'inference', 'metrics'],
  shots: BELOW_SHOTS,
  jobs: [...BELOW_SHOTS, 'shots'],
  // queue workers and the coordinator (BullMQ on Redis): shots made on other machines
  remote: [...BELOW_SHOTS, 'shots'],
  export: [...BELOW_SHOTS, 'shots', 'jobs', 'remote'],
  api: BELOW_API,
  server: [...BELOW_API, 'api'],
  cli: [...BELOW_API, 'api', 'server'],
  app: [...BELOW_API, 'api'],
};

// the engine's shot function: every shot goes through the shot service (main/shots)
const SHOT_FUNCTION = 'main/inference/pipelines/r2r-shot';

// the one module of main/ the API contract may import: the engine's defaults, plain constants
// the studio's panel shows (the engine owns them; the contract re-exports them)
const CONTRACT_MAY_IMPORT = new Set(['main/inference/generation-defaults']);

/** where a file lives: 'main/<room>', 'preload', 'renderer', 'tests' or 'other' */
function roomOf(projectPath) {
  const m = /^main\/([^/]+)\//.exec(projectPath);
  if (m) return `main/${m[1]}`;
  if (projectPath.startsWith('main/')) return 'main';
  for (const room of ['preload', 'renderer', 'tests']) if (projectPath.startsWith(room + '/')) return room;
  return 'other';
}

/** why `room` may not import `target`, or undefined when it may */
function forbiddenWhy(room, target, targetPath) {
  const inMain = (r) => r === 'main' || r.startsWith('main/');
  if (inMain(room)) {
    if (target === 'renderer') return 'the backend never imports UI code';
    if (!inMain(target) || target === room) return undefined;
    if (targetPath.replace(/\.ts$/, '') === SHOT_FUNCTION && room !== 'main/shots') return 'the engine\'s shot function is called by the shot service only: use main/shots';
    if (target === 'main/app') return 'Electron code stays in the app shell';
    const allowed = MAIN_ROOMS[room.slice('main/'.length)];
    if (!allowed) return `${room}/ is not in the layer list of eslint.config.js: add it there`;
    if (!allowed.includes(target.slice('main/'.length))) return `${room}/ may import only ${allowed.map((r) => r + '/').join(', ') || 'nothing of main/'} (and preload/)`;
    return undefined;
  }
  if (room === 'renderer' && inMain(target)) return 'the UI talks to the backend only through the preload API';
  if (room === 'preload') {
    if (target === 'renderer') return 'the API contract must not depend on the UI';
    if (inMain(target) && !CONTRACT_MAY_IMPORT.has(targetPath.replace(/\.ts$/, ''))) return 'the preload bridge exposes the contract, not the backend';
  }
  return undefined;
}

/**
 * The layering of docs/architecture.md as one rule: what each room may import.
 * Only main/app/ touches Electron, the renderer talks to the backend through preload/ only,
 * preload/ knows nothing of the renderer or main, and the rooms of main/ import only rooms below them.
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
        const code = (room.startsWith('main') && room !== 'main/app') || room === 'renderer' || room === 'tests';
        if (code) context.report({ node, messageId: 'electron', data: { room } });
        return;
      }
      if (!specifier.startsWith('.')) return;
      const targetPath = relative(root, resolve(dirname(context.filename), specifier)).split('\\').join('/');
      const target = roomOf(targetPath + '/');
      const why = forbiddenWhy(room, target, targetPath);
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
