"""Peer of drift.bench.ts: Evidently's DataDriftPreset on the same reference and current CSVs.

Usage: python evidently_report.py reference.csv current.csv out.html runs numeric,columns categorical,columns
(the column kinds come from the dataset contract: categorical ones as categories, every other kind as numbers)
Prints JSON: per-run wall times (report run + save_html), and each column's method, value, drifted.
"""
import json
import sys
import time

import evidently
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

def main() -> None:
    reference_csv, current_csv, out_html, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    numeric = [c for c in sys.argv[5].split(",") if c]
    categorical = [c for c in sys.argv[6].split(",") if c]
    reference = pd.read_csv(reference_csv)
    current = pd.read_csv(current_csv)
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    times = []
    snapshot = None
    for _ in range(runs + 1):  # the first run warms imports and caches and is not counted
        started = time.perf_counter()
        snapshot = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        snapshot.save_html(out_html)
        times.append((time.perf_counter() - started) * 1000)
    columns = {}
    share = None
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            share = metric["value"]["share"]
        if config["type"].endswith("ValueDrift"):
            value, threshold, method = float(metric["value"]), float(config["threshold"]), config["method"]
            drifted = value < threshold if "p_value" in method else value >= threshold
            columns[config["column"]] = {"method": method, "value": value, "threshold": threshold, "drifted": drifted}
    json.dump({"evidently": evidently.__version__, "times_ms": times[1:], "drifted_share": share, "columns": columns}, sys.stdout)


if __name__ == "__main__":
    main()
