import { describe, expect, it } from 'vitest';
import { expectUserErrorAsync as expectUserError } from '../support/user-error';
import { chooseProvider, describeAttempts, type ProviderEnvironment } from '../../../main/inference/runtime/provider-choice';
import type { ProviderName } from '../../../main/inference/runtime/providers';

/** a machine described by what its onnxruntime lists and what starts */
function machine(platform: NodeJS.Platform, listed: ProviderName[], starting: ProviderName[]): ProviderEnvironment & { probed: ProviderName[] } {
  const probed: ProviderName[] = [];
  return {
    platform,
    probed,
    listed: () => new Set(listed),
    probe: async (name) => {
      probed.push(name);
      return starting.includes(name) ? { starts: true } : { starts: false, reason: `${name} failed to initialise` };
    },
  };
}

describe('provider choice', () => {
  it('on this machine picks the first provider that really starts and reports the others', async () => {
    const choice = await chooseProvider();
    expect(choice.requested).toBe('auto');
    const last = choice.attempts.at(-1)!;
    expect(last.name).toBe(choice.provider);
    expect(last.starts).toBe(true);
    for (const failed of choice.attempts.slice(0, -1)) {
      expect(failed.starts).toBe(false);
      expect(failed.reason).toBeTruthy();
    }
    // cpu always starts, so auto never gets past it
    expect(choice.attempts.map((a) => a.name)).toContain(choice.provider);
  });

  it('tries GPU providers first: TensorRT, CUDA, WebGPU, then CPU on Linux', async () => {
    const linux = machine('linux', ['cpu', 'webgpu', 'cuda', 'tensorrt'], ['cpu', 'webgpu']);
    const choice = await chooseProvider(undefined, linux);
    expect(choice.provider).toBe('webgpu');
    expect(linux.probed).toEqual(['tensorrt', 'cuda', 'webgpu']);
    expect(describeAttempts(choice)).toEqual(['tensorrt: tensorrt failed to initialise', 'cuda: cuda failed to initialise', 'webgpu: starts (chosen)']);
  });

  it('uses DirectML on Windows and CoreML on macOS when they start', async () => {
    expect((await chooseProvider('auto', machine('win32', ['cpu', 'dml', 'webgpu', 'cuda'], ['cpu', 'dml']))).provider).toBe('dml');
    const mac = machine('darwin', ['cpu', 'coreml', 'webgpu'], ['cpu', 'coreml']);
    expect((await chooseProvider(null, mac)).provider).toBe('coreml');
    expect(mac.probed).toEqual(['coreml']);
  });

  it('falls back to the CPU, saying why each GPU provider did not start', async () => {
    const linux = machine('linux', ['cpu', 'webgpu'], ['cpu']);
    const choice = await chooseProvider(undefined, linux);
    expect(choice.provider).toBe('cpu');
    expect(choice.attempts.map((a) => a.name)).toEqual(['tensorrt', 'cuda', 'webgpu', 'cpu']);
    expect(choice.attempts[0]!.reason).toMatch(/has no tensorrt backend on linux/);
    expect(choice.attempts[2]!.reason).toBe('webgpu failed to initialise');
    expect(linux.probed).toEqual(['webgpu', 'cpu']); // unlisted ones are not probed
  });

  it("takes the user's choice, and refuses it with the reason when it does not start", async () => {
    const linux = machine('linux', ['cpu', 'webgpu', 'cuda'], ['cpu', 'cuda']);
    const choice = await chooseProvider('CUDA', linux);
    expect(choice).toEqual({ provider: 'cuda', requested: 'cuda', attempts: [{ name: 'cuda', starts: true }] });
    expect((await chooseProvider('cpu', linux)).provider).toBe('cpu');
    await expectUserError(chooseProvider('webgpu', linux), /webgpu execution provider does not start here: webgpu failed to initialise/);
    await expectUserError(chooseProvider('dml', linux), /dml does not exist on linux/);
    await expectUserError(chooseProvider('metal', linux), /Unknown execution provider "metal"/);
  });
});
