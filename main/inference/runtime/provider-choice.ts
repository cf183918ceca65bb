import ort from 'onnxruntime-node';
import { UserError } from '../../common/errors';
import { AUTO_ORDER, PROVIDER_TABLE, probeProvider, type ProviderName } from './providers';

export interface ProviderAttempt {
  name: ProviderName;
  starts: boolean;
  /** why it did not start */
  reason?: string;
}

export interface ProviderChoice {
  provider: ProviderName;
  /** what the user asked for; 'auto' when nothing */
  requested: ProviderName | 'auto';
  /** every provider tried, in order, the chosen one last */
  attempts: ProviderAttempt[];
}

/** how providers are tested; replaced in tests to stand for other machines */
export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  /** the backends this onnxruntime-node build has */
  listed: () => ReadonlySet<string>;
  probe: (name: ProviderName) => Promise<{ starts: boolean; reason?: string }>;
}

export const nodeEnvironment: ProviderEnvironment = {
  platform: process.platform,
  listed: () => new Set(ort.listSupportedBackends().map((b) => b.name)),
  probe: probeProvider,
};

const probeCache = new Map<string, Promise<{ starts: boolean; reason?: string }>>();

/** probing loads a model on the provider; once per process is enough */
function cachedProbe(env: ProviderEnvironment, name: ProviderName): Promise<{ starts: boolean; reason?: string }> {
  if (env !== nodeEnvironment) return env.probe(name);
  let p = probeCache.get(name);
  if (!p) {
    p = env.probe(name);
    probeCache.set(name, p);
  }
  return p;
}

export function forgetProviderProbes(): void {
  probeCache.clear();
}

export function isProviderName(name: string): name is ProviderName {
  return PROVIDER_TABLE.some((p) => p.name === name);
}

async function attempt(env: ProviderEnvironment, name: ProviderName): Promise<ProviderAttempt> {
  const entry = PROVIDER_TABLE.find((p) => p.name === name)!;
  if (!entry.platforms.includes(env.platform as never)) {
    return { name, starts: false, reason: `${name} does not exist on ${env.platform}` };
  }
  if (!env.listed().has(name)) {
    return { name, starts: false, reason: `this onnxruntime-node build (${ort.env.versions.node ?? ort.env.versions.common}) has no ${name} backend on ${env.platform}` };
  }
  const probe = await cachedProbe(env, name);
  return probe.starts ? { name, starts: true } : { name, starts: false, reason: probe.reason ?? 'it did not start' };
}

/**
 * Picks the execution provider: the user's choice when given (refused with the reason when
 * it does not start), else the first of the platform's GPU providers that starts
 * (TensorRT, CUDA, DirectML, CoreML, WebGPU), else the CPU. Reports every attempt.
 */
export async function chooseProvider(requested?: string | null, env: ProviderEnvironment = nodeEnvironment): Promise<ProviderChoice> {
  const wanted = requested?.trim().toLowerCase();
  if (wanted && wanted !== 'auto') {
    if (!isProviderName(wanted)) {
      throw new UserError('provider-unknown', `Unknown execution provider "${requested}".`, `Use one of: auto, ${PROVIDER_TABLE.map((p) => p.name).join(', ')}.`);
    }
    const result = await attempt(env, wanted);
    if (!result.starts) {
      const note = PROVIDER_TABLE.find((p) => p.name === wanted)!.note;
      throw new UserError('provider-unavailable', `The ${wanted} execution provider does not start here: ${result.reason}.`, `${note}. Run \`r2r info\` to see what starts, or leave --provider out to pick automatically.`);
    }
    return { provider: wanted, requested: wanted, attempts: [result] };
  }
  const attempts: ProviderAttempt[] = [];
  for (const name of AUTO_ORDER) {
    const entry = PROVIDER_TABLE.find((p) => p.name === name)!;
    if (!entry.platforms.includes(env.platform as never)) continue;
    const result = await attempt(env, name);
    attempts.push(result);
    if (result.starts) return { provider: name, requested: 'auto', attempts };
  }
  throw new UserError('provider-none', 'No execution provider starts on this machine, not even the CPU.', `Reinstall onnxruntime-node; tried: ${attempts.map((a) => `${a.name} (${a.reason})`).join('; ')}.`);
}

/** one line per attempt, for logs and `--json` output */
export function describeAttempts(choice: ProviderChoice): string[] {
  return choice.attempts.map((a) => (a.starts ? `${a.name}: starts${a.name === choice.provider ? ' (chosen)' : ''}` : `${a.name}: ${a.reason}`));
}
