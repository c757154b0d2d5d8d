"""Speed of the vectorised per-gene AUROC vs a per-gene roc_auc_score loop.

Writes results/bench_metric.json. Run with `make bench`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from _timing import best_of as _best_of
from sklearn.metrics import roc_auc_score

from pqstats._io import atomic_write_text
from pqstats.evaluation import auroc_by_group
from pqstats.screens import load_de


def _loop(pairs, scores):
    out = {}
    for gene, grp in pairs.assign(score=scores).groupby("gene"):
        if grp.label.nunique() == 2:
            out[gene] = roc_auc_score(grp.label, grp.score)
    return out


def main() -> None:
    rows = {}
    for name in ("k562", "rpe1", "hepg2"):
        pairs = load_de(name)
        scores = np.random.default_rng(0).random(len(pairs))
        t_vec, ours = _best_of(lambda p=pairs, s=scores: auroc_by_group(p, s))
        t_loop, ref = _best_of(lambda p=pairs, s=scores: _loop(p, s), repeats=1)
        diff = max(abs(ours[g] - v) for g, v in ref.items())
        rows[name] = {"pairs": len(pairs), "genes": len(ref), "vectorised_s": round(t_vec, 4),
                      "loop_s": round(t_loop, 3), "speedup": round(t_loop / t_vec, 1),
                      "max_abs_diff": diff}
        print(name, rows[name])
    out = Path("results") / "bench_metric.json"
    atomic_write_text(out, json.dumps(rows, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
