import type { Render3dImage, Render3dPageApi, Render3dProgress, Render3dRequest } from '../../../preload/api/render3d-types';

type FrameWindow = Window & { r2rRender3d?: Render3dPageApi; r2rRender3dProgress?: (p: Render3dProgress) => void };

export function base64ToBlob(data: string, type: string): Blob {
  const bin = atob(data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsDataURL(file);
  });
}

/**
 * Runs the 3D renderer page (render3d.html, built beside the studio's page) in a hidden
 * iframe of the same origin, so the desktop app and browser mode render with the code
 * `r2r render` runs headless. `cancel()` stops it between path-traced samples.
 */
export class Render3dFrame {
  private frame: HTMLIFrameElement | undefined;

  private async page(): Promise<FrameWindow> {
    if (!this.frame) {
      const frame = document.createElement('iframe');
      frame.src = 'render3d.html';
      frame.setAttribute('aria-hidden', 'true');
      frame.style.cssText = 'position:fixed;width:1px;height:1px;left:-10px;top:-10px;border:0;visibility:hidden';
      document.body.appendChild(frame);
      this.frame = frame;
    }
    const win = this.frame.contentWindow as FrameWindow | null;
    for (let waited = 0; !win?.r2rRender3d; waited += 50) {
      if (waited > 30_000) throw new Error('the 3D renderer page did not start (render3d.html missing from the build?)');
      await new Promise((r) => setTimeout(r, 50));
    }
    return win;
  }

  async render(glb: Blob, req: Omit<Render3dRequest, 'modelUrl'>, onProgress: (p: Render3dProgress) => void): Promise<Render3dImage[]> {
    const win = await this.page();
    const url = URL.createObjectURL(glb);
    win.r2rRender3dProgress = onProgress;
    try {
      return await win.r2rRender3d!.render({ ...req, modelUrl: url });
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  cancel(): void {
    (this.frame?.contentWindow as FrameWindow | null)?.r2rRender3d?.cancel();
  }

  dispose(): void {
    this.frame?.remove();
    this.frame = undefined;
  }
}
