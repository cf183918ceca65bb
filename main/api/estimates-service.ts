import type { EstimatesService } from '../../preload/api/contract';
import { AUTO_ORDER } from '../inference/runtime/providers';
import { estimateLibraryCost } from '../shots/shot-estimate';
import { appInfo } from './app-info';
import type { LibraryHolder } from './library-service';

/** what 'auto' would pick here: the first provider in auto's order that starts (probed once per process) */
export async function firstStartingProvider(): Promise<string> {
  const started = new Set((await appInfo()).providers.filter((p) => p.starts).map((p) => p.name));
  return AUTO_ORDER.find((name) => started.has(name)) ?? 'cpu';
}

/** the cost of a generate, sweep or batch before it is queued, from the open library's step times */
export function createEstimatesService(holder: LibraryHolder, autoProvider: () => Promise<string> = firstStartingProvider): EstimatesService {
  return {
    cost: async (req) => estimateLibraryCost(holder.require(), req, await autoProvider()),
  };
}
