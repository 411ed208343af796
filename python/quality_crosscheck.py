"""Reference values for @churn/drift's classification quality cross-check: cases as JSON on stdin, scikit-learn's answers out."""
import json
import sys

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, confusion_matrix, f1_score, log_loss, precision_score, recall_score, roc_auc_score, zero_one_loss


def answer(case: dict) -> dict:
    y = np.asarray(case["labels"], dtype=np.int64)
    p = np.asarray(case["chances"], dtype=np.float64)
    predicted = (p >= case["threshold"]).astype(np.int64)
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    return {
        "auc": float(roc_auc_score(y, p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p, pos_label=1)),
        "precision": float(precision_score(y, predicted, zero_division=0)),
        "recall": float(recall_score(y, predicted, zero_division=0)),
        "f1": float(f1_score(y, predicted, zero_division=0)),
        "zero_one_loss": float(zero_one_loss(y, predicted)),
        "confusion": {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)},
        "prob_true": [float(v) for v in prob_true],
        "prob_pred": [float(v) for v in prob_pred],
    }


def main() -> None:
    json.dump([answer(case) for case in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
