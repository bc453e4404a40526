// Starts the TypeScript worker under tsx (npm run serve, the tests): worker threads do not inherit tsx's loader.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
