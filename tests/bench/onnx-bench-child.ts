/** one measured step of the ONNX benchmark, in its own process so its peak memory is its own */
import { inspectModelFolder } from '../../main/inference/models/inspect';
import { adaptModelFolder } from '../../main/inference/models/adapt-folder';

const [what, src, out] = process.argv.slice(2);
const t0 = performance.now();
if (what === 'inspect') inspectModelFolder(src!);
else if (what === 'adapt') adaptModelFolder(src!, out!);
else throw new Error(`unknown step ${what}`);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
