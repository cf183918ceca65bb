import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { projectRoot } from '../../../main/common/version';

const eslint = new ESLint({ cwd: projectRoot() });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'r2r/layers').map((m) => m.message);
}

describe('the layering lint rule', () => {
  it('rejects electron imported from main/catalog', async () => {
    const errors = await layerErrors('main/catalog/bad.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(errors).toEqual([expect.stringMatching(/only main\/app\/.*may import 'electron'/)]);
  });

  it('rejects electron through require and dynamic import too', async () => {
    const errors = await layerErrors('main/jobs/bad.ts', "export const a = require('electron');\nexport const b = import('electron/main');\n");
    expect(errors).toHaveLength(2);
  });

  it('allows electron in main/app and preload', async () => {
    expect(await layerErrors('main/app/ok.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
    expect(await layerErrors('preload/ok.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toEqual([]);
  });

  it('rejects the renderer importing main/', async () => {
    const errors = await layerErrors('renderer/src/bad.ts', "import { createBackend } from '../../main/api/index';\nexport const b = createBackend;\n");
    expect(errors).toEqual([expect.stringMatching(/renderer must not import from main\//)]);
  });

  it('rejects preload importing the renderer', async () => {
    const errors = await layerErrors('preload/bad.ts', "export { api } from '../renderer/src/lib/api';\n");
    expect(errors).toEqual([expect.stringMatching(/preload must not import from renderer\//)]);
  });

  it('allows the renderer to import the preload contract', async () => {
    expect(await layerErrors('renderer/src/ok.ts', "import type { R2RApi } from '../../preload/api/contract';\nexport type A = R2RApi;\n")).toEqual([]);
  });
});
