import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingVulkanLoader } from '../../../main/inference/runtime/providers';

describe('the Vulkan loader check before probing WebGPU', () => {
  const saved = process.env.LD_LIBRARY_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
    else process.env.LD_LIBRARY_PATH = saved;
  });

  it('finds a loader on LD_LIBRARY_PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2r-vk-'));
    writeFileSync(join(dir, 'libvulkan.so.1'), '');
    process.env.LD_LIBRARY_PATH = `/nonexistent:${dir}`;
    expect(missingVulkanLoader('linux')).toBe(false);
  });

  it('never blocks the probe on other platforms', () => {
    expect(missingVulkanLoader('darwin')).toBe(false);
    expect(missingVulkanLoader('win32')).toBe(false);
  });
});
