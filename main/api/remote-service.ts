import type { RemoteWorkersService } from '../../preload/api/contract';
import type { RemoteWorkerRecord } from '../../preload/api/remote-types';
import { forgetRemoteUrl, readRemoteUrl, remoteSettingsFile, requireRemoteUrl, saveRemoteUrl } from '../remote/remote-settings';
import { redact } from '../remote/redis-url';

/** the live workers on `url`: a short connection per call, so the studio holds none while idle */
async function workersOn(url: string): Promise<RemoteWorkerRecord[]> {
  // ioredis and BullMQ load only when remote workers are used
  const [{ connectRedis, checkNoEviction }, { listWorkers }, { remoteWorkerRecord }] = await Promise.all([
    import('../remote/redis-client'),
    import('../remote/heartbeat'),
    import('../remote/queue-progress'),
  ]);
  const client = await connectRedis(url);
  try {
    await checkNoEviction(client, url);
    return (await listWorkers(client)).map(remoteWorkerRecord);
  } finally {
    client.disconnect();
  }
}

/** Settings → Remote workers: the Redis URL the studio's exports enqueue on, and who is listening there */
export function createRemoteService(file = remoteSettingsFile()): RemoteWorkersService {
  const shown = () => {
    const url = readRemoteUrl(file);
    return { url: url ? redact(url) : null };
  };
  return {
    settings: async () => shown(),
    // kept only once Redis answered and is safe for queued shots: a typo never becomes the setting
    connect: async (url) => {
      const workers = await workersOn(url);
      saveRemoteUrl(url, file);
      return { ...shown(), workers };
    },
    forget: async () => forgetRemoteUrl(file),
    workers: async () => workersOn(requireRemoteUrl(file)),
  };
}
