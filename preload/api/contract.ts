import type { AppInfo } from './types';
import type { JobInfo, JobProgress } from './job-types';
import type { AppCommand } from './app-commands';

/**
 * The one API contract. Each service is an interface of async methods; every transport
 * (in-process, Electron IPC, HTTP/WebSocket) is generated from it, so channel strings are
 * never typed by hand. Add a method here, its argument schema in `schemas.ts`, and its
 * implementation in `main/api/`.
 */
export interface AppService {
  /** version, platform and the execution providers that start on this machine */
  info(): Promise<AppInfo>;
}

/** heavy work (generation, export, sweeps) queued and run off the UI thread, in a worker */
export interface JobsService {
  /** queues a job of a registered kind; params are checked against the kind's schema; returns its id */
  submit(kind: string, params: unknown): Promise<string>;
  /** every job of this session, oldest first */
  list(): Promise<JobInfo[]>;
  get(id: string): Promise<JobInfo>;
  /** stops a queued or running job; a job that already ended stays as it is */
  cancel(id: string): Promise<JobInfo>;
}

export interface R2RApi {
  app: AppService;
  jobs: JobsService;
}

export type ServiceName = keyof R2RApi;
export type MethodName<S extends ServiceName> = keyof R2RApi[S] & string;

/** `r2r:app.info`: the channel of one method, the same on every transport */
export function channelOf(service: string, method: string): string {
  return `r2r:${service}.${method}`;
}

export function parseChannel(channel: string): { service: string; method: string } | undefined {
  const m = /^r2r:([a-zA-Z]+)\.([a-zA-Z]+)$/.exec(channel);
  return m ? { service: m[1]!, method: m[2]! } : undefined;
}

/** events pushed from the backend to every connected UI */
export interface ApiEventMap {
  'app.ready': { version: string };
  /** a job changed state (queued, running, done, failed, cancelled) */
  'job.updated': JobInfo;
  /** a running job reported progress (and maybe a preview) */
  'job.progress': { id: string; progress: JobProgress };
  /** a menu item or shortcut of the desktop app; `path` names the library for library-* */
  'app.command': { command: AppCommand; path?: string };
}

export type ApiEvent = { [K in keyof ApiEventMap]: { type: K; payload: ApiEventMap[K] } }[keyof ApiEventMap];

/** an error as it crosses a transport: what went wrong and what to do */
export interface ApiErrorPayload {
  code: string;
  message: string;
  hint?: string;
}
