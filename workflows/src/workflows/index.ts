// The worker's workflowsPath: every workflow type registered on the task queue.
export { tuningWorkflow, progressQuery } from './tuning.js';
export { driftReportWorkflow } from './drift-report.js';
