import { z } from 'zod';
import type { ProviderReport } from '../../inference/runtime/providers';
import { defineJobKind, throwIfCancelled } from '../kind';

// the same names as PROVIDER_TABLE (a test keeps them equal): onnxruntime loads only when the job runs
const providerNames = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu'] as const satisfies readonly ProviderReport['name'][];

/**
 * Probes execution providers in the job worker: a broken GPU driver can crash or hang the
 * process that creates a session, which must never be the app's main process.
 */
export const probeProvidersJob = defineJobKind({
  name: 'probe-providers',
  summary: 'check which execution providers start on this machine',
  params: z.object({ providers: z.array(z.enum(providerNames)).min(1).optional() }).strict(),
  async run(params, ctx): Promise<ProviderReport[]> {
    const ortModule = await import('onnxruntime-node');
    // a CommonJS package: its namespace has `default` under some loaders and not others
    const ort = ortModule.default ?? ortModule;
    const { PROVIDER_TABLE, probeProvider } = await import('../../inference/runtime/providers');
    const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
    const entries = PROVIDER_TABLE.filter(
      (e) => (e.platforms as readonly string[]).includes(process.platform) && (!params.providers || params.providers.includes(e.name)),
    );
    const reports: ProviderReport[] = [];
    for (const [i, entry] of entries.entries()) {
      throwIfCancelled(ctx.signal);
      ctx.progress({ step: i, total: entries.length, message: `probing ${entry.name}` });
      const isListed = listed.has(entry.name);
      const probe = isListed
        ? await probeProvider(entry.name)
        : { starts: false, reason: `onnxruntime-node ${ort.env.versions.node} has no ${entry.name} backend on ${process.platform}` };
      reports.push({ name: entry.name, listed: isListed, note: entry.note, ...probe });
    }
    ctx.progress({ step: entries.length, total: entries.length, message: 'done' });
    return reports;
  },
});
