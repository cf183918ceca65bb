import type { AppInfo } from './types';
import type { JobInfo, JobProgress } from './job-types';
import type {
  ComboInputRecord,
  ComboRecord,
  GarmentDetailRecord,
  GarmentFilter,
  GarmentPageRecord,
  LibraryFacets,
  LibraryInfo,
  MaskPixels,
  MaskPurpose,
  MaskRecord,
} from './library-types';
import type { AppCommand } from './app-commands';
import type { ModelChoiceRecord, ModelEntryRecord, ModelKind } from './model-types';
import type { ExportPresetRecord } from './export-types';
import type { PairMetricsRecord, PairRequest } from './metrics-types';
import type { SamMaskRecord, SamModelRecord, SamPrepareRecord, SamPromptRecord } from './segment-types';
import type { ComboRenderRecord, DressedOutfitRecord, OutfitBox, OutfitLayoutRecord } from './outfit-types';
import type { RenderKind } from './library-types';
import type { QueueStateRecord } from './queue-types';
import type { RemoteSettingsRecord, RemoteWorkerRecord } from './remote-types';
import type { CostEstimateRecord, CostRequestRecord } from './estimate-types';
import type { GarmentMaterialData, GarmentMaterialRecord, GarmentModelRecord, Render3dUpload } from './render3d-types';
import type { GenerationRegionsRecord, RegionPreset, RegionPresetRole, RegionRole, RenderRegionsRecord } from './region-types';

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
  /** the queue drawer: paused or not, and the queued jobs in order */
  queue(): Promise<QueueStateRecord>;
  /** cancels the running job and every queued one; how many were stopped */
  cancelAll(): Promise<number>;
  /** forgets the finished jobs of this session (their generations stay in the library); how many */
  clearFinished(): Promise<number>;
  /** queues every failed job again with the same params; the new jobs' ids */
  retryFailed(): Promise<string[]>;
  /** the running job finishes; queued ones wait (kept across restarts) */
  pause(): Promise<QueueStateRecord>;
  resume(): Promise<QueueStateRecord>;
  /** these queued jobs first, in this order; the others follow */
  reorder(ids: string[]): Promise<QueueStateRecord>;
}

// ---- library, masks, combos: the studio's catalog services (ui branch) ----

/** the open library: one per backend; the CLI's --library opens it at start */
export interface LibraryService {
  /** the open library, or null when none is open yet */
  current(): Promise<LibraryInfo | null>;
  /** opens an existing library folder and adds it to the recent list */
  open(path: string): Promise<LibraryInfo>;
  /** makes a new empty library in the folder (created when missing) and opens it */
  create(path: string): Promise<LibraryInfo>;
  /** recently opened library folders, newest first */
  recent(): Promise<string[]>;
  /** empties the recent list (the desktop app's File > Open Recent > Clear Recent) */
  clearRecent(): Promise<void>;
  /** what the filters can offer: categories, colorways and render kinds in use */
  facets(): Promise<LibraryFacets>;
  search(filter: GarmentFilter): Promise<GarmentPageRecord>;
  garment(id: number): Promise<GarmentDetailRecord>;
  /** gives a colorway a 3D model (.glb bytes as base64); its material variants become colorways sharing it */
  attachModel(colorwayId: number, glb: string, fileName: string): Promise<GarmentModelRecord>;
  /** the colorway's 3D model, or null when it has none */
  model(colorwayId: number): Promise<GarmentModelRecord | null>;
  /** the colorway's stored .glb as base64, for the 3D renderer */
  modelData(colorwayId: number): Promise<string>;
  /** the colorway's U3M material (imported as material.u3m/.u3ma), or null when it has none */
  material(colorwayId: number): Promise<GarmentMaterialRecord | null>;
  /** the colorway's material for the 3D renderer (front side, images as base64), or null when it has none */
  materialData(colorwayId: number): Promise<GarmentMaterialData | null>;
  /** stores 3D renders as the colorway's renders of their view and kind; how many were new */
  addRenders(colorwayId: number, images: Render3dUpload[]): Promise<number>;
}

export interface MasksService {
  /** the stored mask's pixels, or null when the render has none of that purpose */
  get(renderId: number, purpose: MaskPurpose): Promise<MaskPixels | null>;
  /** stores the mask as a grayscale PNG in the library */
  save(renderId: number, purpose: MaskPurpose, mask: MaskPixels): Promise<MaskRecord>;
  remove(renderId: number, purpose: MaskPurpose): Promise<boolean>;
}

export interface CombosService {
  list(): Promise<ComboRecord[]>;
  get(id: number): Promise<ComboRecord>;
  create(input: ComboInputRecord): Promise<ComboRecord>;
  update(id: number, input: ComboInputRecord): Promise<ComboRecord>;
  remove(id: number): Promise<boolean>;
  /** each garment's box for dressing (saved or auto by role) and the items left out; garment renders of `view` (default front) */
  layout(comboId: number, view?: string): Promise<OutfitLayoutRecord>;
  /** keeps the artist's boxes (garments left out go back to the auto layout) */
  saveLayout(comboId: number, boxes: { garmentId: number; box: OutfitBox }[]): Promise<OutfitLayoutRecord>;
  /** the combo's outfit renders (the whole outfit worn, from the 3D tool) */
  renders(comboId: number): Promise<ComboRenderRecord[]>;
  /** attaches an image (base64) as the combo's render for a view and kind, replacing the one there */
  attachRender(comboId: number, view: string, kind: RenderKind, image: string): Promise<ComboRenderRecord>;
  /** the dressed shots of the combo (dress jobs), oldest first, with their reports */
  dressed(comboId: number): Promise<DressedOutfitRecord[]>;
}

/** the studio's staging strip: what an artist does with a finished shot */
export interface GenerationsService {
  /** accepts a done generation as its render's chosen shot (one per render, replacing the previous one) */
  choose(generationId: number): Promise<{ renderId: number; generationId: number }>;
  /** deletes a finished, failed or cancelled generation and its output image (unless another record uses the same image) */
  discard(generationId: number): Promise<boolean>;
}

/** model folders and negative embeddings, added once (checked as `r2r models inspect` checks them), then picked */
export interface ModelsService {
  list(): Promise<ModelEntryRecord[]>;
  /** checks the folder (kind 'model') or file (kind 'embedding') and adds it to the list */
  add(kind: ModelKind, path: string): Promise<ModelEntryRecord>;
  remove(kind: ModelKind, path: string): Promise<boolean>;
  /** the open library's pick; what it has not picked comes from the last pick in any library */
  choice(): Promise<ModelChoiceRecord>;
  /** picks a listed entry (null: none) for the open library, remembered for the others too */
  choose(kind: ModelKind, path: string | null): Promise<ModelChoiceRecord>;
}

/** what this build of the studio can do, so the UI disables what is missing and says why */
export interface StudioService {
  capabilities(): Promise<StudioCapabilities>;
}

export interface StudioCapabilities {
  /** the job kinds the backend runs (e.g. 'generate', 'sweep' once the R2R engine is in) */
  jobKinds: string[];
}

// ---- end of catalog services ----

/** quality numbers of library images (main/metrics) */
export interface MetricsService {
  /**
   * SSIM (RGB, luma, and inside the mask when one is named and stored), texture and colour
   * preservation of `b` against `a`; images of different sizes are a `size-mismatch` error.
   * Results are cached per pair of hashes and mask.
   */
  comparePair(pair: PairRequest): Promise<PairMetricsRecord>;
}

/** batch export; an export itself runs as a job: `jobs.submit('export', ExportJobParamsRecord)` */
export interface ExportsService {
  /** the built-in marketplace presets with what each does */
  presets(): Promise<ExportPresetRecord[]>;
}

/** what a generate, sweep or batch will cost before it is queued (measured step times of this library, else a labelled guess) */
export interface EstimatesService {
  cost(request: CostRequestRecord): Promise<CostEstimateRecord>;
}

/** Settings → Remote workers: queue workers (`r2r worker`) on other machines make an export's shots */
export interface RemoteWorkersService {
  settings(): Promise<RemoteSettingsRecord>;
  /** tests the Redis URL (reachable, password, no eviction), keeps it, and lists the workers there */
  connect(url: string): Promise<RemoteSettingsRecord & { workers: RemoteWorkerRecord[] }>;
  /** forgets the URL; false when none was set */
  forget(): Promise<boolean>;
  /** the live workers on the kept URL */
  workers(): Promise<RemoteWorkerRecord[]>;
}

/** click-to-mask with a user-supplied Segment Anything model (the Shot view's Select object tool) */
export interface SegmentService {
  /** the SAM model folder picked for the open library (else the last pick anywhere) and what it is */
  model(): Promise<SamModelRecord>;
  /** checks the folder (an encoder + decoder ONNX pair) and picks it for the open library and overall; null: none */
  setModel(path: string | null): Promise<SamModelRecord>;
  /** the render's embedding, made once in the job worker and cached; clicks need it */
  prepare(renderId: number): Promise<SamPrepareRecord>;
  /** the mask of clicks and a box on the render, at its size (the decoder only, milliseconds once prepared) */
  mask(renderId: number, prompt: SamPromptRecord): Promise<SamMaskRecord>;
}

/** region presets (one click maps a render's roles to region settings) as the Shot view's Regions panel uses them */
export interface RegionsService {
  /** the built-ins first, then the library's own by name */
  list(): Promise<RegionPreset[]>;
  /** saves a library preset (replacing that name's roles); a built-in's name, in any case, is refused */
  save(name: string, roles: Partial<Record<RegionRole, RegionPresetRole>>): Promise<RegionPreset>;
  /** deletes a library preset; built-ins are refused; false when there was none */
  remove(id: number): Promise<boolean>;
  /** the roles this render has pixels for (its label mask) and their coverage */
  forRender(renderId: number): Promise<RenderRegionsRecord>;
  /** a generation's per-region report, or null when it ran without a region preset */
  report(generationId: number): Promise<GenerationRegionsRecord | null>;
}

export interface R2RApi {
  app: AppService;
  jobs: JobsService;
  library: LibraryService;
  masks: MasksService;
  combos: CombosService;
  generations: GenerationsService;
  models: ModelsService;
  studio: StudioService;
  exports: ExportsService;
  metrics: MetricsService;
  segment: SegmentService;
  remote: RemoteWorkersService;
  estimates: EstimatesService;
  regions: RegionsService;
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
  /** the queue was paused, resumed or reordered, or a job entered or left it */
  'queue.updated': QueueStateRecord;
  /** jobs cleared from the list (Clear finished, Retry failed) */
  'jobs.removed': { ids: string[] };
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
