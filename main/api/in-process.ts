import type { ApiTransport } from '../../preload/api/client';
import { ApiError } from '../../preload/api/client';
import type { Dispatch } from './dispatcher';
import { toErrorPayload } from './dispatcher';
import type { EventHub } from './events';

/**
 * The API without a wire: for the CLI and tests. Arguments and results are structured-cloned
 * so in-process callers see the same semantics as IPC (no shared mutable objects).
 */
export function createInProcessTransport(dispatch: Dispatch, hub: EventHub): ApiTransport {
  return {
    async invoke(channel, args) {
      try {
        return structuredClone(await dispatch(channel, structuredClone(args)));
      } catch (err) {
        throw new ApiError(toErrorPayload(err));
      }
    },
    subscribe: (listener) => hub.subscribe((e) => listener(structuredClone(e))),
  };
}
