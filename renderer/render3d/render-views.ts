import { ACESFilmicToneMapping, Color, PCFSoftShadowMap, PMREMGenerator, SRGBColorSpace, WebGLRenderer } from 'three';
import type { Texture } from 'three';
import { WebGLPathTracer } from 'three-gpu-pathtracer';
import type { GarmentScene } from './garment-scene';
import { rigCamera } from './rig';
import type { RigView } from './rig';
import { studioEnvironment, studioLights } from './studio-light';

export interface Render3dOptions {
  width: number;
  height: number;
  background: 'transparent' | 'white';
  /** path-traced samples per pixel */
  samples: number;
  signal?: AbortSignal;
  /** samples done of the current path-traced view */
  onSample?(view: RigView, done: number, total: number): void;
}

export class RenderCancelled extends Error {
  override name = 'RenderCancelled';
}

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function canvasPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the canvas gave no PNG'));
      blob.arrayBuffer().then((b) => resolve(new Uint8Array(b)), reject);
    }, 'image/png');
  });
}

/**
 * One WebGL2 canvas that renders a garment scene from the rig's views, rasterised (three's
 * PBR with PCF soft shadows onto a shadow-catching floor) or path-traced
 * (three-gpu-pathtracer, progressive, one full-frame sample per step), under the same
 * lights, environment and cameras.
 */
export class ViewRenderer {
  readonly canvas: HTMLCanvasElement;
  private readonly renderer: WebGLRenderer;
  private tracer: WebGLPathTracer | undefined;
  private tracedScene: GarmentScene | undefined;
  private envEquirect: Texture;
  private envPmrem: Texture;

  constructor(
    private readonly garment: GarmentScene,
    private readonly opts: Render3dOptions,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = opts.width;
    this.canvas.height = opts.height;
    const renderer = new WebGLRenderer({ canvas: this.canvas, antialias: true, alpha: true, preserveDrawingBuffer: true });
    renderer.setPixelRatio(1);
    renderer.setSize(opts.width, opts.height, false);
    renderer.outputColorSpace = SRGBColorSpace;
    renderer.toneMapping = ACESFilmicToneMapping;
    renderer.shadowMap.enabled = true;
    renderer.shadowMap.type = PCFSoftShadowMap;
    this.renderer = renderer;
    this.envEquirect = studioEnvironment();
    const pmrem = new PMREMGenerator(renderer);
    this.envPmrem = pmrem.fromEquirectangular(this.envEquirect).texture;
    pmrem.dispose();
    garment.scene.add(studioLights(garment.box));
    if (opts.background === 'white') {
      garment.scene.background = new Color(0xffffff);
      renderer.setClearColor(0xffffff, 1);
    } else {
      garment.scene.background = null;
      renderer.setClearColor(0x000000, 0);
    }
  }

  private camera(view: RigView) {
    return rigCamera(view, this.garment.box, this.opts.width / this.opts.height);
  }

  async raster(view: RigView): Promise<Uint8Array> {
    const { scene, floor } = this.garment;
    scene.environment = this.envPmrem;
    floor.visible = true;
    this.renderer.render(scene, this.camera(view));
    return canvasPng(this.canvas);
  }

  private pathTracer(): WebGLPathTracer {
    if (this.tracer) return this.tracer;
    const tracer = new WebGLPathTracer(this.renderer);
    // driven sample by sample: no delay, fade or raster preview, one tile per frame
    tracer.renderDelay = 0;
    tracer.minSamples = 1;
    tracer.fadeDuration = 0;
    tracer.rasterizeScene = false;
    tracer.dynamicLowRes = false;
    tracer.synchronizeRenderSize = true;
    tracer.tiles.set(1, 1);
    tracer.bounces = 6;
    this.tracer = tracer;
    return tracer;
  }

  /** the path-traced view; `snapshots` receives the image as it stood at each of `at` samples */
  async raytrace(view: RigView, at: number[] = [], snapshots?: (samples: number, png: Uint8Array) => void): Promise<Uint8Array> {
    const { scene, floor } = this.garment;
    const tracer = this.pathTracer();
    const camera = this.camera(view);
    scene.environment = this.envEquirect;
    // the path tracer has no shadow catcher: the floor stays out of its scene
    floor.visible = false;
    floor.removeFromParent();
    if (this.tracedScene !== this.garment) {
      tracer.setScene(scene, camera);
      this.tracedScene = this.garment;
    } else {
      tracer.setCamera(camera);
    }
    tracer.reset();
    const total = this.opts.samples;
    while (tracer.samples < total) {
      if (this.opts.signal?.aborted) throw new RenderCancelled('render cancelled');
      const before = tracer.samples;
      tracer.renderSample();
      const done = Math.floor(tracer.samples);
      if (tracer.samples !== before) {
        this.opts.onSample?.(view, Math.min(total, done), total);
        if (at.includes(done) && done < total) snapshots?.(done, await canvasPng(this.canvas));
      }
      await nextTask();
    }
    scene.add(floor);
    return canvasPng(this.canvas);
  }

  dispose(): void {
    this.tracer?.dispose();
    this.envEquirect.dispose();
    this.envPmrem.dispose();
    this.renderer.dispose();
  }
}
