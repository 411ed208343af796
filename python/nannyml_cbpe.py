"""Peer of quality-estimation.bench.ts: NannyML's CBPE on the same reference and analysis chunks.

Usage: NML_DISABLE_USAGE_LOGGING=1 python nannyml_cbpe.py reference.csv analysis.csv chunk_size
reference.csv: chance, decision, label (the model's test split); analysis.csv: chance, decision, in
chunk order (every chunk exactly chunk_size rows). Prints JSON: per chunk NannyML's estimated
roc_auc and accuracy, in order.
"""
import json
import sys

import nannyml as nml
import pandas as pd


def main() -> None:
    reference = pd.read_csv(sys.argv[1])
    analysis = pd.read_csv(sys.argv[2])
    chunk_size = int(sys.argv[3])
    estimator = nml.CBPE(
        y_pred_proba="chance",
        y_pred="decision",
        y_true="label",
        problem_type="classification_binary",
        metrics=["roc_auc", "accuracy"],
        chunk_size=chunk_size,
    )
    estimator.fit(reference)
    result = estimator.estimate(analysis).filter(period="analysis").to_df()
    chunks = [
        {"roc_auc": float(row[("roc_auc", "value")]), "accuracy": float(row[("accuracy", "value")])}
        for _, row in result.iterrows()
    ]
    json.dump({"nannyml": nml.__version__, "chunks": chunks}, sys.stdout)


if __name__ == "__main__":
    main()
