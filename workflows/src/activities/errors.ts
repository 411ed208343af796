import { ApplicationFailure } from '@temporalio/common';

/** Thrown when the feature store has no usable snapshot or a stored split is missing or corrupt. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    message: string,
    readonly uri: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when the best model's test AUC is under MIN_TEST_AUC: it must never be registered. */
export class QualityGateError extends Error {
  override readonly name = 'QualityGateError';
  constructor(
    readonly runId: string,
    readonly testAuc: number,
    readonly minTestAuc: number,
  ) {
    super(`quality gate: best model ${runId} has test AUC ${testAuc.toFixed(4)} < MIN_TEST_AUC ${minTestAuc}; nothing registered`);
  }
}

/** Bad data or a failed gate will not improve on retry: fail the activity for good, keeping the type. */
export function nonRetryable(error: DatasetError | QualityGateError): ApplicationFailure {
  return ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true, cause: error, details: [{ ...error }] });
}
