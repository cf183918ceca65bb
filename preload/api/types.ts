/** Types shared by every end of the API: main, preload, renderer, server and CLI. */

export interface ProviderInfo {
  name: string;
  listed: boolean;
  starts: boolean;
  reason?: string;
  note: string;
}

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
  arch: string;
  node: string;
  onnxruntime: string;
  providers: ProviderInfo[];
}
