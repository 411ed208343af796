export * from './search-space.js';
export * from './tuner.js';
export * from './trial.js';
export * from './tune.js';
export * from './trial-threads.js';
