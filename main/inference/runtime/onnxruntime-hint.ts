import type { ProviderName } from './providers';

/** the first non-empty line of onnxruntime's message, cut to a readable length */
export function onnxruntimeLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim().length > 0) ?? message;
  return line.length > 300 ? line.slice(0, 297) + '...' : line;
}

/**
 * The hint under our own message when onnxruntime refused: what to do first, then
 * onnxruntime's text as the detail. Another provider is suggested only when there is one
 * to switch to (a run already on the CPU is not told to try the CPU). `loadedFile`, the
 * file onnxruntime opened (our copy in the cache), is not repeated: our message names the
 * user's own file.
 */
export function onnxruntimeHint(err: unknown, provider: ProviderName, advice: string, loadedFile?: string): string {
  let detail = onnxruntimeLine(err instanceof Error ? err.message : String(err));
  if (loadedFile) detail = detail.replace(`Load model from ${loadedFile} failed:`, '').split(loadedFile).join('the file').trim();
  const switchTo = provider === 'cpu' ? '' : ', or try --provider cpu';
  return `${advice}${switchTo}. onnxruntime said: ${detail}`;
}
