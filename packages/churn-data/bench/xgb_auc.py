"""Python xgboost cross-check of the dataset contracts: what each contract's feature set is worth.

Reads on stdin a JSON list of {"name", "spec" (the contract with its defaults applied), "csv" (the
source path), "expected" (the TypeScript cleaning's counts)}; auc_crosscheck.ts sends it. For each
contract it cleans the raw CSV itself from the spec (independently of @churn/churn-data: names
trimmed, case-folded and renamed; values trimmed and case-folded; missing tokens; drop / impute /
category; booleans 0/1, ordinals as codes, categoricals one-hot), fails when its counts differ from
the TypeScript ones, then trains xgboost on stratified 80/20 splits and prints the test AUC as JSON.
Each split's 80% is split again 80/20 (stratified) to stop boosting early on its AUC; the 20% test
part is only scored.

usage: auc_crosscheck.ts sends the input; by hand: PY=$(scripts/py-venv.sh hyperopt); $PY xgb_auc.py [REPEATS] [NTHREAD] < input.json
"""
import csv
import json
import math
import statistics
import sys
import time

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

DEFAULT_TRUE = ["true", "1", "yes", "y", "t"]
DEFAULT_FALSE = ["false", "0", "no", "n", "f"]
MISSING_LEVEL = "missing"
# Fixed, untuned parameters and early stopping: the point is to compare feature sets, not to tune.
PARAMS = {
    "objective": "binary:logistic",
    "eval_metric": "auc",
    "tree_method": "hist",
    "eta": 0.05,
    "max_depth": 4,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "min_child_weight": 1,
}
MAX_ROUNDS = 2000
EARLY_STOPPING = 50


class Contract:
    def __init__(self, spec):
        self.spec = spec
        cleaning = spec["cleaning"]
        self.trim, self.lower_names, self.lower_values = cleaning["trim"], cleaning["lowercase_names"], cleaning["lowercase_values"]
        key = (lambda s: s.strip().lower()) if self.lower_names else (lambda s: s.strip())
        self.rename = {key(k): v for k, v in cleaning["rename"].items()}
        self.features = []
        for f in spec["features"]:
            f = dict(f)
            f["tokens"] = {self.value("")} | {self.value(t) for t in f.get("missing_tokens", spec["missing_tokens"])}
            if "levels" in f:
                f["levels"] = [self.value(level) for level in f["levels"]]
                if f["missing"] == "category" and MISSING_LEVEL not in f["levels"]:
                    f["levels"].append(MISSING_LEVEL)
            f["true"] = {v.strip().lower() for v in f.get("true_values", DEFAULT_TRUE)}
            f["false"] = {v.strip().lower() for v in f.get("false_values", DEFAULT_FALSE)}
            self.features.append(f)
        target = spec["target"]
        self.positive = {self.value(v) for v in target["positive"]}
        self.negative = {self.value(v) for v in target["negative"]}

    def value(self, text):
        text = text.strip() if self.trim else text
        return text.lower() if self.lower_values else text

    def column(self, header):
        name = header.strip().lower() if self.lower_names else header.strip()
        return self.rename.get(name, name)

    def parse(self, f, raw):
        """A cell's value (float, or the level for categoricals); None when missing; raises ValueError when invalid."""
        if raw is None or self.value(raw) in f["tokens"]:
            return None
        kind, text = f["kind"], raw.strip()
        if kind in ("numeric", "integer"):
            n = float(text)
            if not math.isfinite(n) or (kind == "integer" and n != int(n)):
                raise ValueError(f"{f['name']}: bad number {raw!r}")
            if ("min" in f and n < f["min"]) or ("max" in f and n > f["max"]):
                raise ValueError(f"{f['name']}: {n} out of range")
            return n
        if kind == "boolean":
            if text.lower() in f["true"]:
                return 1.0
            if text.lower() in f["false"]:
                return 0.0
            raise ValueError(f"{f['name']}: not a boolean {raw!r}")
        if kind == "categorical":
            if self.value(raw) in f["levels"]:
                return self.value(raw)
            raise ValueError(f"{f['name']}: unknown level {raw!r}")
        if self.value(raw) in f["levels"]:  # ordinal: label or code
            return float(f["levels"].index(self.value(raw)))
        code = float(text)
        if code == int(code) and 0 <= code < len(f["levels"]):
            return code
        raise ValueError(f"{f['name']}: bad ordinal {raw!r}")

    def clean(self, path):
        """The encoded matrix, the labels, the column names and the counts (rows, dropped, invalid)."""
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [self.column(h) for h in next(reader)]
            records = [dict(zip(header, row)) for row in reader if any(cell.strip() for cell in row)]
        target = self.spec["target"]["column"]
        rows, labels, dropped, invalid = [], [], 0, 0
        for record in records:
            values = []
            for f in self.features:
                try:
                    values.append(self.parse(f, record.get(f["name"])))
                except ValueError as error:
                    values.append(error)
            # The order @churn/churn-data checks in: a missing drop feature, then the label, then the values.
            if any(v is None and f["missing"] == "drop" for f, v in zip(self.features, values)):
                dropped += 1
                continue
            label = self.value(record.get(target, ""))
            if label not in self.positive | self.negative or any(isinstance(v, ValueError) for v in values):
                invalid += 1
                continue
            values = [MISSING_LEVEL if v is None and f["missing"] == "category" else v for f, v in zip(self.features, values)]
            rows.append(values)
            labels.append(1 if label in self.positive else 0)
        columns, matrix = [], []
        for i, f in enumerate(self.features):
            if f["kind"] == "categorical":
                for level in f["levels"]:
                    columns.append(f"{f['name']}={level}")
                    matrix.append([1.0 if row[i] == level else 0.0 for row in rows])
            else:
                columns.append(f["name"])
                matrix.append([math.nan if row[i] is None else row[i] for row in rows])
        x = np.array(matrix, dtype=np.float32).T
        return x, np.array(labels, dtype=np.float32), columns, {"rows": len(rows), "dropped": dropped, "invalid": invalid, "positives": int(sum(labels))}


def test_auc(x, y, seed, nthread):
    """Test AUC and the number of trees for one stratified 80/20 split."""
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed)
    x_fit, x_stop, y_fit, y_stop = train_test_split(x_train, y_train, test_size=0.2, stratify=y_train, random_state=seed)
    dstop = xgb.DMatrix(x_stop, label=y_stop)
    params = {**PARAMS, "seed": seed, "nthread": nthread}
    booster = xgb.train(params, xgb.DMatrix(x_fit, label=y_fit), MAX_ROUNDS, evals=[(dstop, "stop")], early_stopping_rounds=EARLY_STOPPING, verbose_eval=False)
    trees = booster.best_iteration + 1
    return float(roc_auc_score(y_test, booster.predict(xgb.DMatrix(x_test), iteration_range=(0, trees)))), trees


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    nthread = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    out = {"xgboost": xgb.__version__, "sklearn": sklearn.__version__, "params": {**PARAMS, "max_rounds": MAX_ROUNDS, "early_stopping": EARLY_STOPPING}, "split": "stratified 80/20", "datasets": []}
    for item in json.load(sys.stdin):
        contract = Contract(item["spec"])
        started = time.perf_counter()
        x, y, columns, counts = contract.clean(item["csv"])
        expected = item.get("expected")
        if expected is not None and expected != counts:
            sys.exit(f"{item['name']}: Python's cleaning {counts} differs from TypeScript's {expected}")
        seed = item["spec"]["split"]["seed"]
        seeds = [seed + i for i in range(repeats)]
        runs = [test_auc(x, y, s, nthread) for s in seeds]
        aucs = [auc for auc, _ in runs]
        out["datasets"].append({
            "name": item["name"],
            **counts,
            "features": len(item["spec"]["features"]),
            "columns": len(columns),
            "imputed": int(np.isnan(x).sum()),
            "test_auc": aucs[0],
            "seeds": seeds,
            "trees": [trees for _, trees in runs],
            "test_auc_mean": statistics.fmean(aucs),
            "test_auc_min": min(aucs),
            "test_auc_max": max(aucs),
            "seconds": time.perf_counter() - started,
        })
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
