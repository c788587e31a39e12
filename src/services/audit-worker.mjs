// Worker bootstrap: worker threads do not inherit the parent's module hooks on Node 20, so TypeScript support (tsx)
// is registered here before the worker module loads (dist/ holds the compiled audit-worker.mjs instead).
import { register } from 'tsx/esm/api';

register();
await import('./audit-worker.ts');
