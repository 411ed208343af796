export * from './preprocessor.js';
export * from './metrics.js';
export * from './model-dir.js';
export { buildMlmodel, readMlmodelField, XGB_VERSION, PYTHON_XGBOOST_REQUIREMENT, type SignatureColumn } from './mlmodel.js';
export * from './foreign-model.js';
