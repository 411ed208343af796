"""Reference values for @churn/drift's cross-check test: reads cases as JSON on stdin, prints scipy's answers."""
import json
import sys

from scipy import stats


def main() -> None:
    cases = json.load(sys.stdin)
    out = {
        "ks": [
            {"statistic": float(r.statistic), "pvalue": float(r.pvalue)}
            for r in (stats.ks_2samp(c["a"], c["b"], method=c["method"]) for c in cases["ks"])
        ],
        "chisquare": [
            {"statistic": float(r.statistic), "pvalue": float(r.pvalue)}
            for r in (stats.chisquare(c["observed"], c["expected"]) for c in cases["chisquare"])
        ],
        "wasserstein": [float(stats.wasserstein_distance(c["a"], c["b"])) for c in cases["wasserstein"]],
        "kstwo": [float(stats.kstwo.sf(c["x"], c["n"])) for c in cases["kstwo"]],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
