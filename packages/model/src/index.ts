export * from './preprocessor.js';
export * from './metrics.js';
export * from './model-dir.js';
export * from './test-predictions.js';
export { buildMlmodel, readMlmodelField, xgbVersionOf, PYTHON_XGBOOST_REQUIREMENT, type SignatureColumn } from './mlmodel.js';
export * from './foreign-model.js';
