// the count lives with the cost estimate (main/shots/model-flops.ts); the GPU script and its test import it from here
export { unetFlopsPerSample } from '../../main/shots/model-flops';
