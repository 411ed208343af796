"""Peer of quality-report.bench.ts: Evidently's ClassificationPreset on the same labelled predictions.

Usage: python evidently_classification.py labelled.csv out.html runs
labelled.csv: target (0/1), prediction (the churn chance), one row per labelled prediction.
Prints JSON: per-run wall times (Report.run + save_html, the CSV read once before) and Evidently's
ROC AUC, accuracy, precision, recall and F1, to check both judged the same rows.
"""
import json
import sys
import time

import evidently
import pandas as pd
from evidently import BinaryClassification, DataDefinition, Dataset, Report
from evidently.presets import ClassificationPreset


def main() -> None:
    labelled_csv, out_html, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    frame = pd.read_csv(labelled_csv)
    definition = DataDefinition(classification=[BinaryClassification(target="target", prediction_probas="prediction", pos_label=1)])
    times = []
    snapshot = None
    for _ in range(runs + 1):  # the first run warms imports and caches and is not counted
        started = time.perf_counter()
        snapshot = Report([ClassificationPreset()]).run(Dataset.from_pandas(frame, data_definition=definition), None)
        snapshot.save_html(out_html)
        times.append((time.perf_counter() - started) * 1000)
    figures = {}
    for metric in snapshot.dict()["metrics"]:
        kind = metric["config"]["type"].rsplit(":", 1)[-1].rsplit(".", 1)[-1]
        value = metric["value"]
        if isinstance(value, (int, float)) and kind in ("RocAuc", "Accuracy", "Precision", "Recall", "F1Score"):
            figures[kind] = float(value)
    json.dump({"evidently": evidently.__version__, "times_ms": times[1:], "figures": figures}, sys.stdout)


if __name__ == "__main__":
    main()
