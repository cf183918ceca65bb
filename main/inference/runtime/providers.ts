import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { probeModelBytes } from './probe-model';

/** The execution providers R2R Studio knows, and where each can exist at all. */
export const PROVIDER_TABLE = [
  { name: 'cuda', platforms: ['linux', 'win32'], note: 'NVIDIA GPU; on Linux install the CUDA libraries with `npm run setup:cuda`' },
  { name: 'tensorrt', platforms: ['linux', 'win32'], note: 'NVIDIA GPU with TensorRT libraries installed' },
  { name: 'dml', platforms: ['win32'], note: 'DirectML, any DirectX 12 GPU on Windows' },
  { name: 'coreml', platforms: ['darwin'], note: 'Apple Neural Engine / GPU on macOS' },
  { name: 'webgpu', platforms: ['linux', 'win32', 'darwin'], note: 'needs a WebGPU adapter (Vulkan, D3D12 or Metal driver)' },
  { name: 'cpu', platforms: ['linux', 'win32', 'darwin'], note: 'always available' },
] as const;

export type ProviderName = (typeof PROVIDER_TABLE)[number]['name'];

export interface ProviderReport {
  name: ProviderName;
  /** onnxruntime-node ships this provider for this platform (maybe needing extra libraries) */
  listed: boolean;
  /** a session was created on it and ran */
  starts: boolean;
  /** why it did not start, when it did not */
  reason?: string;
  note: string;
}

/** the order to try providers when the user names none: GPUs first, CPU last */
export const AUTO_ORDER: readonly ProviderName[] = ['tensorrt', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu'];

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim().length > 0) ?? message;
  return line.length > 240 ? line.slice(0, 237) + '...' : line;
}

/** onnxruntime's messages name C++ internals; say what they mean for the user */
export function explainFailure(name: ProviderName, message: string): string {
  const raw = firstLine(message);
  if ((name === 'cuda' || name === 'tensorrt') && /Failed to load shared library|libcu|cannot open shared object/i.test(message)) {
    return name === 'cuda'
      ? 'CUDA provider libraries or NVIDIA driver not found (on Linux: npm run setup:cuda)'
      : 'TensorRT libraries or NVIDIA driver not found';
  }
  if (name === 'webgpu' && /adapter|Vulkan|RequestAdapter/i.test(message)) return 'no WebGPU adapter: no Vulkan, Direct3D 12 or Metal driver found';
  return raw;
}

const VULKAN_LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/**
 * WebGPU on Linux goes through Vulkan: without its loader, Dawn prints a warning on every
 * probe and no adapter can exist, so say so without trying.
 */
export function missingVulkanLoader(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  const dirs = [...(process.env.LD_LIBRARY_PATH?.split(':').filter(Boolean) ?? []), ...VULKAN_LOADER_DIRS];
  return !dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** Tries one provider on the probe model; never throws. */
export async function probeProvider(name: ProviderName): Promise<{ starts: boolean; reason?: string }> {
  if (name === 'webgpu' && missingVulkanLoader()) {
    return { starts: false, reason: 'no WebGPU adapter: the Vulkan loader (libvulkan.so.1) is not installed' };
  }
  try {
    // keep onnxruntime's own error log quiet: the reason is reported by us
    ort.env.logLevel = 'fatal';
    const session = await ort.InferenceSession.create(probeModelBytes(), { executionProviders: [name], logSeverityLevel: 4 });
    try {
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [4]) });
      const y = out.y?.data as Float32Array | undefined;
      if (!y || y[3] !== 8) return { starts: false, reason: 'the probe model ran but gave a wrong result' };
    } finally {
      await session.release();
    }
    return { starts: true };
  } catch (err) {
    return { starts: false, reason: explainFailure(name, (err as Error).message) };
  }
}

/** What onnxruntime-node lists for this platform, and whether each provider really starts. */
export async function reportProviders(platform: NodeJS.Platform = process.platform): Promise<ProviderReport[]> {
  const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
  const reports: ProviderReport[] = [];
  for (const entry of PROVIDER_TABLE) {
    if (!entry.platforms.includes(platform as never)) continue;
    const isListed = listed.has(entry.name);
    const probe = isListed ? await probeProvider(entry.name) : { starts: false, reason: `onnxruntime-node ${ort.env.versions.node} has no ${entry.name} backend on ${platform}` };
    reports.push({ name: entry.name, listed: isListed, note: entry.note, ...probe });
  }
  return reports;
}

export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
