#!/usr/bin/env bash
# Creates the suite's buckets and Kinesis streams and uploads today's snapshot of every dataset
# contract in DATASETS_DIR (its `source` CSV, raw: the workflow cleans it with the contract) to
# <FEATURE_STORE_URI><name>/<date>/churn.csv, where the tuning workflow reads it. Idempotent, so `make init_aws` can rerun it. Runs in the aws-cli container against
# localstack (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_KINESIS set) or, without them, against AWS.
set -euo pipefail

# Empty values in the env file mean "not set" (AWS itself, an instance role), as in the services.
for name in AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_KINESIS AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; do
  [ -n "${!name:-}" ] || unset "$name"
done

features_uri=${FEATURE_STORE_URI:-s3://churn-features/snapshots/}
features_path=${features_uri#s3://}
features_bucket=${features_path%%/*}
snapshot_prefix=${features_path#"$features_bucket"}
snapshot_prefix=${snapshot_prefix#/}
buckets=("$features_bucket" "${ARTIFACTS_BUCKET:-mlflow-artifacts}" "${REPORTS_BUCKET:-churn-reports}")
streams=("${PREDICTIONS_STREAM:-predictions}" "${RESULTS_STREAM:-results}" "${DLQ_STREAM:-predictions-dlq}" "${OUTCOMES_STREAM:-outcomes}")
datasets_dir=${DATASETS_DIR:-datasets}
region=${AWS_REGION:-us-east-1}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-$region}

# localstack answers path-style requests on its one endpoint.
if [ -n "${AWS_ENDPOINT_URL_S3:-}" ]; then
  aws configure set default.s3.addressing_style path
fi

for bucket in "${buckets[@]}"; do
  if aws s3api head-bucket --bucket "$bucket" 2>/dev/null; then
    echo "bucket $bucket: exists"
  elif [ "$region" = us-east-1 ]; then
    aws s3api create-bucket --bucket "$bucket" >/dev/null && echo "bucket $bucket: created"
  else
    aws s3api create-bucket --bucket "$bucket" --create-bucket-configuration "LocationConstraint=$region" >/dev/null \
      && echo "bucket $bucket: created"
  fi
done

for stream in "${streams[@]}"; do
  if aws kinesis describe-stream-summary --stream-name "$stream" >/dev/null 2>&1; then
    echo "stream $stream: exists"
  else
    aws kinesis create-stream --stream-name "$stream" --shard-count 1
    aws kinesis wait stream-exists --stream-name "$stream"
    echo "stream $stream: created"
  fi
done

# One snapshot per dataset and day: the workflow trains on the newest one under the dataset's folder.
# `name` and `source` are top-level scalars of the contract; a source in S3 is already where it belongs.
for contract in "$datasets_dir"/*.yaml; do
  name=$(sed -n 's/^name: *//p' "$contract" | tr -d "\"'")
  source=$(sed -n 's/^source: *//p' "$contract" | tr -d "\"'")
  [ -n "$name" ] && [ -n "$source" ] || { echo "$contract: no name or source" >&2; exit 1; }
  case $source in s3://*) echo "snapshot of $name: source is in S3 ($source)"; continue ;; /*) ;; *) source="$(dirname "$contract")/$source" ;; esac
  key="${snapshot_prefix}${name}/$(date -u +%F)/churn.csv"
  if aws s3api head-object --bucket "$features_bucket" --key "$key" >/dev/null 2>&1; then
    echo "snapshot s3://$features_bucket/$key: exists"
  else
    aws s3 cp "$source" "s3://$features_bucket/$key" --only-show-errors
    echo "snapshot s3://$features_bucket/$key: uploaded"
  fi
done
