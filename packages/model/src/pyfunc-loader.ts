/** The module MLflow's python_function flavor imports from the model's code/ folder (no pickles). */
export const PYFUNC_MODULE = 'churn_pyfunc';

/**
 * Its source: raw rows in (the contract's columns, as /invocations takes them), the churn chance
 * out. It reads contract.yaml and preprocessor.json and encodes exactly as our Preprocessor does
 * (case folding, missing tokens, imputed values, ordinal codes or labels, one-hot levels), so a
 * Python user never re-implements the preprocessing. Kept here rather than as a .py file so that
 * bundled services write it without locating package files at run time.
 */
export const PYFUNC_SOURCE = `"""MLflow pyfunc loader of a churn-mlops model directory (written by @churn/model).

mlflow.pyfunc.load_model(...) imports this module from the model's code/ folder and calls
_load_pyfunc(model_dir); predict() takes a DataFrame of raw rows with the contract's columns.
"""
import json
import math
import os
import re

import numpy as np
import xgboost as xgb
import yaml

MISSING_LEVEL = "missing"
DEFAULT_TRUE = ["true", "1", "yes", "y", "t"]
DEFAULT_FALSE = ["false", "0", "no", "n", "f"]


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans, as the contract's own loader reads them: only true/false, so yes, no, on and off stay words."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _text(value):
    """A level or word written unquoted in YAML (1, true) as the text the contract means."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class FeatureError(ValueError):
    """A value the contract does not accept, naming its column."""


def _is_missing(value, tokens, normalise):
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and normalise(value) in tokens


class ChurnModel:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "contract.yaml"), encoding="utf-8") as f:
            self.contract = yaml.load(f, Loader=_Yaml12Loader)
        with open(os.path.join(model_dir, "preprocessor.json"), encoding="utf-8") as f:
            self.pre = json.load(f)
        self.booster = xgb.Booster()
        self.booster.load_model(os.path.join(model_dir, "model.json"))
        cleaning = self.contract.get("cleaning", {})
        self.trim = cleaning.get("trim", True)
        self.lower = cleaning.get("lowercase_values", True)
        dataset_tokens = self.contract.get("missing_tokens", [""])
        self.features = {}
        for f in self.contract["features"]:
            tokens = {self._normalise(_text(t)) for t in ["", *f.get("missing_tokens", dataset_tokens)]}
            self.features[f["name"]] = {
                **f,
                "tokens": tokens,
                "levels": [self._normalise(_text(level)) for level in f.get("levels", [])],
                "true": {_text(v).strip().lower() for v in f.get("true_values", DEFAULT_TRUE)} | {"true", "1"},
                "false": {_text(v).strip().lower() for v in f.get("false_values", DEFAULT_FALSE)} | {"false", "0"},
            }
        self.impute = self.pre.get("impute", {})

    def _normalise(self, text):
        text = text.strip() if self.trim else text
        return text.lower() if self.lower else text

    def _value(self, name, raw):
        f = self.features[name]
        if _is_missing(raw, f["tokens"], self._normalise):
            policy = f.get("missing", "drop")
            if policy == "impute":
                return self.impute[name]
            if policy == "category":
                return MISSING_LEVEL
            raise FeatureError(f"{name}: is required")
        if isinstance(raw, np.generic):
            raw = raw.item()
        kind = f["kind"]
        if kind in ("numeric", "integer"):
            try:
                return float(raw)
            except (TypeError, ValueError):
                raise FeatureError(f"{name}: must be a number, got {raw!r}") from None
        if kind == "boolean":
            if isinstance(raw, (bool, int, float)) and raw in (0, 1):
                return float(raw)
            text = str(raw).strip().lower()
            if text in f["true"]:
                return 1.0
            if text in f["false"]:
                return 0.0
            raise FeatureError(f"{name}: must be true or false, got {raw!r}")
        if kind == "ordinal":
            if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer() and 0 <= raw < len(f["levels"]):
                return float(raw)
            text = self._normalise(str(raw))
            if text in f["levels"]:
                return float(f["levels"].index(text))
            raise FeatureError(f"{name}: unknown value {raw!r}; allowed: {', '.join(f['levels'])}")
        return self._normalise(str(raw)) if isinstance(raw, str) else str(raw)

    def encode(self, frame):
        columns = set(frame.columns)
        absent = [name for name in self.features if name not in columns and self.features[name].get("missing", "drop") == "drop"]
        if absent:
            raise FeatureError(f"{absent[0]}: is required (missing column)")
        rows = len(frame)
        matrix = np.zeros((rows, len(self.pre["featureNames"])), dtype=np.float32)
        get = {name: (frame[name].tolist() if name in columns else [None] * rows) for name in self.features}
        for r in range(rows):
            c = 0
            for name in self.pre["numeric"]:
                matrix[r, c] = self._value(name, get[name][r])
                c += 1
            for one_hot in self.pre["oneHot"]:
                value = self._value(one_hot["field"], get[one_hot["field"]][r])
                categories = one_hot["categories"]
                if value not in categories:
                    raise FeatureError(f"{one_hot['field']}: unknown category {value!r}; allowed: {', '.join(categories)}")
                matrix[r, c + categories.index(value)] = 1.0
                c += len(categories)
        return matrix

    def predict(self, model_input, params=None):
        import pandas as pd

        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        matrix = self.encode(frame)
        return self.booster.predict(xgb.DMatrix(matrix, feature_names=self.booster.feature_names))


def _load_pyfunc(path):
    return ChurnModel(path)
`;
