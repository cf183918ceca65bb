/** Types of the queue's management methods (jobs.queue, pause, reorder, ...): shared by main, preload, renderer and server. */

export interface QueueStateRecord {
  /** paused: the running job finishes, the queued ones wait */
  paused: boolean;
  /** the queued jobs' ids, next first */
  queued: string[];
}

/** what a job works on, for its queue row: the render's garment, colorway and view, and the render image's asset hash */
export interface JobSubjectRecord {
  sku: string;
  colorway: string;
  view: string;
  /** the render image's asset (its thumbnail is /files/thumb/<hash>) */
  thumb: string;
}
