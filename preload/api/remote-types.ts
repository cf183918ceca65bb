/** Types of the studio's remote workers (BullMQ queue workers, `r2r worker`), shared by main, preload and renderer. */

/** one live `r2r worker`, as its heartbeat says */
export interface RemoteWorkerRecord {
  id: string;
  host: string;
  provider: string;
  /** onnxruntime threads per session; absent: one per core */
  threads?: number;
  concurrency: number;
  /** the shots it makes now, `sku colorway view` and the step */
  current: { label: string; step?: number; of?: number }[];
  shotsDone: number;
  shotsFailed: number;
  shotsPerMin: number;
}

export interface RemoteSettingsRecord {
  /** the Redis URL with its password hidden (`redis://:***@host:6379`), or null when none is set */
  url: string | null;
}

/** what an export's progress carries while queue workers make its shots */
export interface RemoteProgressRecord {
  workers: RemoteWorkerRecord[];
  /** shots not yet back */
  remaining: number;
  /** all workers' rate, and the seconds left at it (null before any shot is made) */
  shotsPerMin: number;
  etaS: number | null;
}
