import { Box3, DataTexture, DirectionalLight, EquirectangularReflectionMapping, FloatType, LinearFilter, LinearSRGBColorSpace, Object3D, RGBAFormat, Vector3 } from 'three';

/** where the key, fill and rim lights come from (towards the light, +Z is the garment's front) and how strong they are */
export const STUDIO_LIGHTS = [
  { name: 'key', direction: new Vector3(-0.6, 0.7, 0.9), intensity: 2.2, shadow: true },
  { name: 'fill', direction: new Vector3(0.8, 0.3, 0.7), intensity: 0.7, shadow: false },
  { name: 'rim', direction: new Vector3(0.2, 0.8, -1), intensity: 1.4, shadow: false },
] as const;

const SOFTBOXES = [
  { direction: new Vector3(-0.6, 0.5, 0.8).normalize(), radiance: 3, width: 0.35 },
  { direction: new Vector3(0.8, 0.3, 0.6).normalize(), radiance: 1.2, width: 0.45 },
];

/**
 * A soft studio environment made in code (no HDR file), as an equirectangular float
 * texture both the rasteriser (through PMREM) and the path tracer read: a light grey cyclorama
 * brightening upwards, a darker floor, and two large soft boxes at the key and fill sides.
 */
export function studioEnvironment(width = 256, height = 128): DataTexture {
  const data = new Float32Array(width * height * 4);
  const d = new Vector3();
  for (let y = 0; y < height; y++) {
    const theta = ((y + 0.5) / height - 0.5) * Math.PI;
    for (let x = 0; x < width; x++) {
      const phi = ((x + 0.5) / width - 0.5) * 2 * Math.PI;
      // three's equirect convention: u = atan2(z, x) / 2pi + 0.5, v = asin(y) / pi + 0.5
      d.set(Math.cos(theta) * Math.cos(phi), Math.sin(theta), Math.cos(theta) * Math.sin(phi));
      let v = d.y >= 0 ? 0.45 + 0.35 * d.y : 0.22 + 0.1 * (1 + d.y);
      for (const box of SOFTBOXES) {
        const angle = Math.acos(Math.min(1, Math.max(-1, d.dot(box.direction))));
        v += box.radiance * Math.exp(-((angle / box.width) ** 2));
      }
      data.set([v, v, v * 0.98, 1], (y * width + x) * 4);
    }
  }
  const tex = new DataTexture(data, width, height, RGBAFormat, FloatType);
  tex.mapping = EquirectangularReflectionMapping;
  tex.colorSpace = LinearSRGBColorSpace;
  tex.minFilter = LinearFilter;
  tex.magFilter = LinearFilter;
  tex.generateMipmaps = false;
  tex.needsUpdate = true;
  return tex;
}

/** the three-point rig, aimed at the model's box; the key light casts shadows sized to the box */
export function studioLights(box: Box3): Object3D {
  const group = new Object3D();
  group.name = 'studio-lights';
  const centre = box.getCenter(new Vector3());
  const radius = box.getSize(new Vector3()).length() / 2 || 1;
  for (const l of STUDIO_LIGHTS) {
    const light = new DirectionalLight(0xffffff, l.intensity);
    light.name = l.name;
    light.position.copy(centre).addScaledVector(l.direction.clone().normalize(), radius * 4);
    light.target.position.copy(centre);
    group.add(light, light.target);
    if (l.shadow) {
      light.castShadow = true;
      light.shadow.mapSize.set(1024, 1024);
      light.shadow.bias = -0.0005;
      light.shadow.normalBias = 0.01;
      light.shadow.radius = 4;
      const cam = light.shadow.camera;
      cam.left = cam.bottom = -radius * 1.6;
      cam.right = cam.top = radius * 1.6;
      cam.near = radius;
      cam.far = radius * 8;
      cam.updateProjectionMatrix();
    }
  }
  return group;
}
