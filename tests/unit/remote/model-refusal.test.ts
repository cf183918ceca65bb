import { describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { writeDemoModel } from '../../../main/inference/models/demo/demo-model';
import { modelFingerprint } from '../../../main/remote/model-fingerprint';
import { modelDirFor } from '../../../main/remote/run-shot-job';
import type { ShotJobData } from '../../../main/remote/shot-job';
import { shotSettings } from '../../../main/shots/shot-settings';
import { portableSettings } from '../../../main/remote/shot-job';
import { tempDir } from '../export/fixtures';

describe("a queue worker's model", () => {
  const dir = tempDir('r2r-remote-model-');
  const coordinators = join(dir, 'coordinator', 'tiny-demo');
  const copy = join(dir, 'worker', 'tiny-demo');
  const other = join(dir, 'other', 'tiny-demo');
  writeDemoModel(coordinators, { seed: 5 });
  cpSync(coordinators, copy, { recursive: true });
  // the same architecture and file sizes, other weights
  writeDemoModel(other, { seed: 6 });
  const job = (): ShotJobData => ({
    v: 1,
    renderId: 3,
    label: 'TS-1 navy front',
    renderSha: 'a'.repeat(64),
    input: { ext: 'png', base64: '' },
    width: 64,
    height: 80,
    settings: portableSettings(shotSettings({ model: coordinators })),
    model: { name: 'tiny-demo', fingerprint: modelFingerprint(coordinators), dir: coordinators },
  });

  it('is the same model in another folder: the fingerprint follows the content, not the path', () => {
    expect(modelFingerprint(copy)).toBe(modelFingerprint(coordinators));
    expect(modelDirFor(job(), { modelDir: copy })).toBe(copy);
    // without --model the coordinator's path is used where this machine has it
    expect(modelDirFor(job(), {})).toBe(coordinators);
  });

  it('differs: the worker refuses the shot for good, naming both models', () => {
    expect(modelFingerprint(other)).not.toBe(modelFingerprint(coordinators));
    let err: Error | undefined;
    try {
      modelDirFor(job(), { modelDir: other });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('UnrecoverableError');
    expect(err?.message).toMatch(new RegExp(`model ${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(fingerprint [0-9a-f]{12}\\) is not the coordinator's tiny-demo \\(fingerprint [0-9a-f]{12}\\); start the worker with --model`));
  });

  it('is missing: refused with what to pass', () => {
    expect(() => modelDirFor(job(), { modelDir: join(dir, 'nowhere') })).toThrow(/this worker has no model for shot TS-1 navy front: .*has no model_index\.json; start it with --model <folder of tiny-demo>/);
  });
});
