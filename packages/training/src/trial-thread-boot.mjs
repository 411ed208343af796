// Worker threads do not inherit tsx's loader: from the TypeScript sources, register it here, then
// load the thread. (The CLI's bundle starts its bundled dist/trial-thread.js instead.)
import { register } from 'tsx/esm/api';

register();
await import('./trial-thread.ts');
