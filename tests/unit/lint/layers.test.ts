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

  it('rejects an upward import between the rooms of main/', async () => {
    const cases: [string, string, RegExp][] = [
      ['main/inference/pipelines/bad.ts', "import { openLibrary } from '../../catalog/index';\nexport const a = openLibrary;\n", /main\/inference must not import from main\/catalog\/ \(main\/inference\/ may import only common\/ \(and preload\/\)\)/],
      ['main/jobs/bad.ts', "import { createBackend } from '../api/index';\nexport const a = createBackend;\n", /main\/jobs must not import from main\/api\//],
      ['main/shots/bad.ts', "import { generateShots } from '../export/generate-shots';\nexport const a = generateShots;\n", /main\/shots must not import from main\/export\//],
      ['main/metrics/bad.ts', "import type { JobKind } from '../jobs/kind';\nexport type A = JobKind;\n", /main\/metrics must not import from main\/jobs\//],
      ['main/remote/bad.ts', "import { generateShots } from '../export/generate-shots';\nexport const a = generateShots;\n", /main\/remote must not import from main\/export\//],
      ['main/catalog/bad.ts', "export { readMask } from '../inference/image/mask';\n", /main\/catalog must not import from main\/inference\//],
      ['main/app/bad.ts', "export const m = import('../server/static-files');\n", /main\/app must not import from main\/server\//],
    ];
    for (const [file, code, message] of cases) expect(await layerErrors(file, code), file).toEqual([expect.stringMatching(message)]);
  });

  it('keeps main/swatch below the catalog and the shots, and open to the CLI', async () => {
    expect(await layerErrors('main/swatch/bad.ts', "import { openLibrary } from '../catalog/index';\nexport const a = openLibrary;\n")).toEqual([
      expect.stringMatching(/main\/swatch must not import from main\/catalog\//),
    ]);
    expect(await layerErrors('main/swatch/ok.ts', "import { compareSsim } from '../metrics/compare';\nexport const a = compareSsim;\n")).toEqual([]);
    expect(await layerErrors('main/cli/ok.ts', "import { extractSwatch } from '../swatch/extract';\nexport const a = extractSwatch;\n")).toEqual([]);
  });

  it('allows a room of main/ to import the rooms below it and the preload contract', async () => {
    const ok = [
      ['main/shots/ok.ts', "import { openLibrary } from '../catalog/index';\nimport { measurePair } from '../metrics/measure-pair';\nimport { UserError } from '../common/errors';\nexport const a = [openLibrary, measurePair, UserError];\n"],
      ['main/jobs/kinds/ok.ts', "import { makeLibraryShot } from '../../shots/index';\nexport const a = makeLibraryShot;\n"],
      ['main/export/ok.ts', "import { defineJobKind } from '../jobs/kind';\nexport const a = defineJobKind;\n"],
      ['main/remote/ok.ts', "import { makeFileShot } from '../shots/index';\nexport const a = makeFileShot;\n"],
      ['main/export/ok-remote.ts', "import { generateOnQueue } from '../remote/coordinator';\nexport const a = generateOnQueue;\n"],
      ['main/api/ok.ts', "import { exportJob } from '../export/export-job-kind';\nexport const a = exportJob;\n"],
      ['main/cli/ok.ts', "import { BROWSER_CSP } from '../server/http-server';\nimport { createBackend } from '../api/index';\nexport const a = [BROWSER_CSP, createBackend];\n"],
      ['main/inference/ok.ts', "import type { JobProgress } from '../../preload/api/job-types';\nexport type A = JobProgress;\n"],
    ];
    for (const [file, code] of ok) expect(await layerErrors(file!, code!), file).toEqual([]);
  });

  it("keeps the engine's shot function to the shot service", async () => {
    const call = "import { runR2RShot } from '../../inference/pipelines/r2r-shot';\nexport const a = runR2RShot;\n";
    expect(await layerErrors('main/cli/commands/bad.ts', call)).toEqual([expect.stringMatching(/shot service only: use main\/shots/)]);
    expect(await layerErrors('main/jobs/kinds/bad.ts', call)).toEqual([expect.stringMatching(/shot service only/)]);
    expect(await layerErrors('main/shots/ok.ts', "import { runR2RShot } from '../inference/pipelines/r2r-shot';\nexport const a = runR2RShot;\n")).toEqual([]);
  });

  it('lets the API contract import only the engine defaults from main/', async () => {
    expect(await layerErrors('preload/api/ok.ts', "export { GENERATION_DEFAULTS } from '../../main/inference/generation-defaults';\n")).toEqual([]);
    expect(await layerErrors('preload/api/bad.ts', "export { DEFAULT_R2R_PARAMS } from '../../main/inference/pipelines/r2r';\n")).toEqual([expect.stringMatching(/preload must not import from main\/inference\//)]);
  });

  it('names a new room of main/ that the layer list lacks', async () => {
    const errors = await layerErrors('main/telemetry/bad.ts', "import { UserError } from '../common/errors';\nexport const a = UserError;\n");
    expect(errors).toEqual([expect.stringMatching(/main\/telemetry\/ is not in the layer list/)]);
  });
});
