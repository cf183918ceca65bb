import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // worker: the job worker, run as an Electron utility process
      rollupOptions: { input: { index: resolve('main/app/index.ts'), worker: resolve('main/api/job-worker-entry.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve('preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'renderer',
    build: {
      outDir: 'out/renderer',
      // render3d: the 3D renderer page, loaded headless by `r2r render` and by the studio
      rollupOptions: { input: { index: resolve('renderer/index.html'), render3d: resolve('renderer/render3d.html') } },
    },
    plugins: [svelte()],
  },
});
