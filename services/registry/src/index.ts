export { createRegistryApp, startRegistry, type RegistryDeps, type RunningRegistry } from './server.js';
export { registryConfigSchema, type RegistryConfig } from './config.js';
export { MlflowError, ERROR_STATUS, type ErrorCode } from './errors.js';
export { ROUTES } from './routes/index.js';
