/** Types of the jobs service, shared by main, preload, renderer, server and CLI. */

import type { JobSubjectRecord } from './queue-types';
import type { RemoteProgressRecord } from './remote-types';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  step: number;
  total: number;
  message?: string;
  /** the latest preview image, as a `data:image/png;base64,...` URL */
  preview?: string;
  /** an export whose shots queue workers make: their state and the ETA */
  remote?: RemoteProgressRecord;
  /** work done and planned, in estimated seconds: a generation step weighs more than an inversion step, the VAE counts too */
  work?: { done: number; total: number };
  /** seconds left: elapsed x remaining work / work done (the estimate before the first step) */
  etaSeconds?: number;
}

export interface JobFailure {
  code: string;
  message: string;
  hint?: string;
}

export interface JobInfo {
  id: string;
  kind: string;
  state: JobState;
  params: unknown;
  /** epoch milliseconds */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  progress?: JobProgress;
  /** what the job's handler returned, when done */
  result?: unknown;
  /** why it failed, when failed */
  error?: JobFailure;
  /** a neutral line for people: how a cancel ended, or that the job came back after a restart */
  note?: string;
  /** the render the job works on (garment, colorway, view, thumbnail), when it names one */
  subject?: JobSubjectRecord;
}
