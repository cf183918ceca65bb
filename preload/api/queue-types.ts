/** Types of the queue's management methods (jobs.queue, pause, reorder, ...): shared by main, preload, renderer and server. */

export interface QueueStateRecord {
  /** paused: the running job finishes, the queued ones wait */
  paused: boolean;
  /** the queued jobs' ids, next first */
  queued: string[];
}
