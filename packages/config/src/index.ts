export { loadConfig, ConfigError, type LoadConfigOptions } from './load-config.js';
export { readEnvFiles } from './env-files.js';
export * as env from './env-schemas.js';
