import type { ApiErrorPayload, R2RApi } from '../../preload/api/contract';
import { parseChannel } from '../../preload/api/contract';
import { apiSchemas } from '../../preload/api/schemas';
import { isUserError } from '../common/errors';

export type Dispatch = (channel: string, args: unknown) => Promise<unknown>;

export class DispatchError extends Error {
  constructor(readonly payload: ApiErrorPayload) {
    super(payload.message);
  }
}

/** the shape every transport sends back for a failed call */
export function toErrorPayload(err: unknown): ApiErrorPayload {
  if (err instanceof DispatchError) return err.payload;
  if (isUserError(err)) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

type Issue = { path: PropertyKey[]; message: string; code?: string; maximum?: unknown };

/** names the argument at fault: `argument 0: expected string`, `argument 1: missing` */
export function describeIssue(issue: Issue, args: unknown): string {
  if (issue.path.length === 0 && Array.isArray(args) && issue.code === 'too_small') return `argument ${args.length}: missing`;
  if (issue.path.length === 0 && Array.isArray(args) && issue.code === 'too_big') return `argument ${String(issue.maximum)}: not expected (${args.length} given)`;
  if (issue.path.length === 0 && !Array.isArray(args)) return `arguments: expected a list, got ${args === null ? 'null' : typeof args}`;
  return `argument ${issue.path.map(String).join('.')}: ${issue.message}`;
}

/**
 * Routes a channel to the implementation after validating its arguments against the
 * contract's schemas: nothing unvalidated reaches a service.
 */
export function createDispatcher(api: R2RApi): Dispatch {
  return async (channel, args) => {
    const parsed = parseChannel(channel);
    const services = apiSchemas as Record<string, Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: Issue[] } } }>>;
    const schema = parsed && Object.hasOwn(services, parsed.service) && Object.hasOwn(services[parsed.service]!, parsed.method)
      ? services[parsed.service]![parsed.method]!
      : undefined;
    if (!parsed || !schema) throw new DispatchError({ code: 'unknown-method', message: `no API method ${channel}` });
    const result = schema.safeParse(args);
    if (!result.success) {
      throw new DispatchError({ code: 'invalid-arguments', message: `${parsed.service}.${parsed.method}: ${describeIssue(result.error!.issues[0]!, args)}` });
    }
    const service = (api as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[parsed.service]!;
    return service[parsed.method]!.apply(service, result.data as unknown[]);
  };
}
