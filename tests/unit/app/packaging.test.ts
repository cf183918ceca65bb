import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { projectRoot } from '../../../main/common/version';

const root = projectRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };

async function config() {
  return getConfig(root, 'electron-builder.yml', null);
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema", async () => {
    const cfg = await config();
    await expect(validateConfiguration(cfg, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...cfg, linux: { ...cfg.linux, targets: 'x' } } as never, new DebugLogger(false))).rejects.toThrow(/configuration/);
  });

  it('names the app and builds the installers of every platform', async () => {
    const cfg = await config();
    expect(cfg.appId).toBe('studio.r2r.app');
    expect(cfg.productName).toBe('R2R Studio');
    expect(cfg.linux!.target).toEqual(['AppImage', 'deb']);
    expect(cfg.win!.target).toEqual(['nsis']);
    expect(cfg.mac!.target).toEqual(['dmg']);
  });

  it('packs into asar with every native dependency unpacked and rebuilt for Electron', async () => {
    const cfg = await config();
    expect(cfg.asar).toBe(true);
    expect(cfg.npmRebuild).toBe(true);
    const unpacked = cfg.asarUnpack as string[];
    for (const native of ['better-sqlite3', 'onnxruntime-node', 'sharp']) {
      expect(Object.keys(pkg.dependencies)).toContain(native);
      expect(unpacked).toContain(`node_modules/${native}/**`);
    }
    // sharp's libvips and binding live in @img/* packages
    expect(unpacked).toContain('node_modules/@img/**');
  });

  it('ships the built main process the package points at', async () => {
    const cfg = await config();
    const filters = (cfg.files as { filter: string[] }[]).flatMap((f) => f.filter);
    expect(pkg.main).toBe('out/main/index.js');
    expect(filters).toEqual(expect.arrayContaining(['out/**', 'package.json']));
  });
});
