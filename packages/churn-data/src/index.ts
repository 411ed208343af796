export * from './categories.js';
export * from './schema.js';
export * from './csv.js';
export * from './clean.js';
export * from './split.js';
export * from './load.js';
export * from './reference-profile.js';
