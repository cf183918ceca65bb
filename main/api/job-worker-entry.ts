// the job worker process: a forked Node process (plain Node, tests, `r2r serve`) or an
// Electron utility process (the desktop app, bundled as out/main/worker.js). it hosts the
// studio's job kinds and nothing else.
import { hostJobWorker } from '../jobs/worker-host';
import { internalJobKinds, jobKinds } from './job-kinds';

await hostJobWorker([...jobKinds, ...internalJobKinds]);
