import type { AppInfo } from '../../preload/api/types';
import { appVersion } from '../common/version';
import { onnxruntimeVersion, reportProviders } from '../inference/runtime/providers';

let cached: Promise<AppInfo> | undefined;

/** version, platform and the execution providers that start here (probed once per process) */
export function appInfo(): Promise<AppInfo> {
  cached ??= (async () => ({
    name: 'R2R Studio',
    version: appVersion(),
    platform: process.platform,
    arch: process.arch,
    node: process.versions.node,
    onnxruntime: onnxruntimeVersion(),
    providers: await reportProviders(),
  }))();
  return cached;
}
