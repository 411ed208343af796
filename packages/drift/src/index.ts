export * from './stats.js';
export { chiSquareSf, kolmogorovSf, smirnovSf } from './special.js';
export * from './drift.js';
export * from './quality.js';
export * from './live-monitor.js';
