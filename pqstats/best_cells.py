"""What the report says about the best pqstats model of each cell, from kept test scores.

Two tables, both computed from the test scores the benchmark run already holds
(``run_benchmark(scores_out=...)``, the first seed of each cell) or else from the
benchmark's score cache (:func:`pqstats.fit_cache.cached_scores`). Nothing is refitted:
a cell whose scores are neither kept nor cached gets a row with the reason in ``note``.

* :func:`compare_best` — for each (dataset, task, track), the best model against the
  next best on the same test pairs: paired bootstrap over genes and Wilcoxon signed-rank
  test over per-gene AUROCs (:func:`pqstats.evaluation.compare_per_gene`). The best is
  marked *significant* when both p-values are below :data:`SIGNIFICANCE_LEVEL`.
* :func:`protocol_metrics` — the best models in the forms other papers report: pooled
  AUROC (SynthPert), per-perturbation AUROC, per-gene AUPRC, and the three-class
  not DE / down / up accuracy (SynthPert) and macro-F1 (AROMA) from the best DE model's
  ``p_de`` and the best Dir model's ``p_up`` (:func:`pqstats.evaluation.effect_metrics`).

The models are ranked by the cell's AUROC in the results table (the seed mean); the
comparison and the protocols use the first seed's scores.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pqstats.evaluation import (
    auroc_by_group,
    compare_per_gene,
    effect_classes,
    effect_labels,
    effect_metrics,
    evaluate,
)

__all__ = [
    "SIGNIFICANCE_LEVEL",
    "COMPARISON_COLUMNS",
    "PROTOCOL_COLUMNS",
    "compare_best",
    "protocol_metrics",
    "COMPARISONS_FILE",
    "PROTOCOLS_FILE",
    "write_best_cells",
]

#: Both tests must give p below this for the best model's cell to be marked.
SIGNIFICANCE_LEVEL = 0.05
COMPARISON_COLUMNS = [
    "dataset", "task", "track", "best", "next_best", "auroc_best", "auroc_next", "delta",
    "ci_low", "ci_high", "bootstrap_p", "wilcoxon_p", "n_genes", "level", "significant",
    "note",
]
PROTOCOL_COLUMNS = [
    "dataset", "track", "task", "model", "auroc", "pooled_auroc", "auroc_per_pert", "auprc",
    "accuracy", "macro_f1", "n_pairs", "n_without_direction", "note",
]


def _ranked(results: pd.DataFrame) -> dict[tuple[str, str, str], list[str]]:
    """``(dataset, task, track) → models``, best AUROC first, over the scored rows."""
    ok = results[(results["note"].fillna("") == "") & results["auroc"].notna()
                 & (results["model"].fillna("") != "")]
    ranked = {}
    for key, grp in ok.groupby(["dataset", "task", "track"], sort=False):
        ranked[key] = list(grp.sort_values("auroc", ascending=False, kind="stable")["model"])
    return ranked


class _Scores:
    """Test scores of a cell: kept ones first, else the score cache; never a fit."""

    def __init__(self, kept: Mapping | None):
        self.kept = kept or {}
        self.pairs: dict[tuple[str, str], pd.DataFrame] = {}

    def test(self, dataset: str, task: str) -> pd.DataFrame:
        from pqstats.screens import load_pairs

        if (dataset, task) not in self.pairs:
            self.pairs[(dataset, task)] = load_pairs(dataset, task)
        pairs = self.pairs[(dataset, task)]
        return pairs[pairs["split"] == "test"]

    def get(self, dataset: str, task: str, track: str, model: str) -> np.ndarray | None:
        key = (dataset, task, track, model)
        if key in self.kept:
            return np.asarray(self.kept[key], dtype=float)
        from pqstats.fit_cache import cached_scores

        self.test(dataset, task)
        return cached_scores(model, dataset, task, track, self.pairs[(dataset, task)])


def _no_scores(model: str) -> str:
    return (f"no test scores of {model} kept or cached: rerun `pqstats benchmark` "
            "(a warm rerun only re-scores)")


def compare_best(results: pd.DataFrame, scores: Mapping | None = None,
                 level: float = SIGNIFICANCE_LEVEL, n_boot: int = 1000,
                 random_state: int = 0) -> pd.DataFrame:
    """The best model of each (dataset, task, track) against the next best.

    Parameters
    ----------
    results : DataFrame
        Benchmark rows (:func:`pqstats.benchmark.run_benchmark`), pqstats' own models only.
    scores : mapping, optional
        ``(dataset, task, track, model) → test scores`` (``scores_out``); cells missing
        there are read from the score cache.
    level : float
        Significance level: ``significant`` when ``bootstrap_p`` and ``wilcoxon_p`` are
        both below it.
    n_boot, random_state : int
        Paired bootstrap resamples over genes and their seed.

    Returns
    -------
    DataFrame
        Columns :data:`COMPARISON_COLUMNS`, one row per cell with at least two models;
        ``delta`` = AUROC(best) − AUROC(next best) on the first seed's scores.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r} (e.g. 0.05)")
    source = _Scores(scores)
    rows = []
    for (d, t, track), models in _ranked(results).items():
        if len(models) < 2:
            continue
        row = {"dataset": d, "task": t, "track": track, "best": models[0],
               "next_best": models[1], "level": level, "significant": False, "note": ""}
        got = [source.get(d, t, track, m) for m in models[:2]]
        missing = [m for m, s in zip(models[:2], got, strict=True) if s is None]
        if missing:
            rows.append({**row, "note": _no_scores(missing[0])})
            continue
        test = source.test(d, t)
        per_gene = [auroc_by_group(test, s, by="gene") for s in got]
        cmp = compare_per_gene(*per_gene, n_boot=n_boot, random_state=random_state)
        rows.append({**row, "auroc_best": cmp["auroc_a"], "auroc_next": cmp["auroc_b"],
                     "delta": cmp["delta"], "ci_low": cmp["ci_low"],
                     "ci_high": cmp["ci_high"], "bootstrap_p": cmp["bootstrap_p"],
                     "wilcoxon_p": cmp["wilcoxon_p"], "n_genes": cmp["n_genes"],
                     "significant": bool(max(cmp["bootstrap_p"], cmp["wilcoxon_p"]) < level)})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def protocol_metrics(results: pd.DataFrame, scores: Mapping | None = None) -> pd.DataFrame:
    """The best models of each screen and track in the literature's forms.

    For each (dataset, track): a ``de`` and a ``dir`` row for the best model of that
    task (per-gene ``auroc``, ``pooled_auroc``, ``auroc_per_pert``, ``auprc`` on its
    first seed's test scores) and an ``effect`` row (model ``"<de model> + <dir model>"``)
    with the three-class ``accuracy`` and ``macro_f1`` over the DE test pairs: the class
    is not DE when the DE model's ``p_de < 0.5``, else up when the Dir model's
    ``p_up >= 0.5``, else down (:func:`pqstats.evaluation.effect_classes`).

    The Dir task's test pairs are the DE test pairs that are DE, so a pair predicted DE
    that is truly not DE has no Dir score. It is wrong in either direction; it is counted
    as a false *up* (``p_up`` = 0.5) and counted in ``n_without_direction``. Accuracy
    does not depend on that choice; macro-F1 only through how those errors split
    between down and up.

    Returns
    -------
    DataFrame
        Columns :data:`PROTOCOL_COLUMNS`; a row whose scores are neither kept nor cached
        has NaN numbers and the reason in ``note``.
    """
    source = _Scores(scores)
    ranked = _ranked(results)
    rows = []
    cells = dict.fromkeys((d, track) for d, _, track in ranked)
    for d, track in cells:
        best = {t: ranked[(d, t, track)][0] for t in ("de", "dir") if (d, t, track) in ranked}
        got = {}
        for t, model in best.items():
            row = {"dataset": d, "track": track, "task": t, "model": model, "note": ""}
            s = source.get(d, t, track, model)
            if s is None:
                rows.append({**row, "note": _no_scores(model)})
                continue
            got[t] = s
            test = source.test(d, t)
            m = evaluate(test, s, n_boot=0)
            rows.append({**row, **{k: m[k] for k in ("auroc", "pooled_auroc",
                                                     "auroc_per_pert", "auprc")},
                         "n_pairs": int(len(test))})
        if len(best) < 2:
            continue
        row = {"dataset": d, "track": track, "task": "effect",
               "model": f"{best['de']} + {best['dir']}", "note": ""}
        if len(got) < 2:
            rows.append({**row, "note": _no_scores(next(m for t, m in best.items()
                                                        if t not in got))})
            continue
        rows.append({**row, **_effect(source, d, got["de"], got["dir"])})
    return pd.DataFrame(rows, columns=PROTOCOL_COLUMNS)


def _effect(source: _Scores, dataset: str, p_de: np.ndarray, p_up: np.ndarray) -> dict:
    de_test = source.test(dataset, "de")[["pert", "gene"]].assign(p_de=p_de)
    dir_test = source.test(dataset, "dir")[["pert", "gene"]].assign(p_up=p_up)
    table = (de_test.merge(dir_test, on=["pert", "gene"], how="left")
             .merge(effect_labels(dataset), on=["pert", "gene"], how="left"))
    without = table["p_up"].isna()
    predicted = effect_classes(table["p_de"].to_numpy(), table["p_up"].fillna(0.5).to_numpy())
    m = effect_metrics(table["label"].to_numpy(), predicted)
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "n_pairs": m["n_pairs"],
            "n_without_direction": int((without & (table["p_de"] >= 0.5)).sum())}


#: Files of :func:`write_best_cells` in the results folder.
COMPARISONS_FILE = "comparisons.csv"
PROTOCOLS_FILE = "protocols.csv"


def write_best_cells(results: pd.DataFrame, out, scores: Mapping | None = None,
                     n_boot: int = 1000, level: float = SIGNIFICANCE_LEVEL) -> list:
    """Write :data:`COMPARISONS_FILE` (:func:`compare_best`) and :data:`PROTOCOLS_FILE`
    (:func:`protocol_metrics`) into the results folder ``out``, each atomically and only
    when it has a row (a run on nothing leaves the files as they were).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from pathlib import Path

    from pqstats._io import atomic_write_csv

    written = []
    for name, table in ((COMPARISONS_FILE, compare_best(results, scores, level, n_boot)),
                        (PROTOCOLS_FILE, protocol_metrics(results, scores))):
        if not table.empty:
            written.append(atomic_write_csv(Path(out) / name, table, index=False,
                                            float_format="%.6g"))
    return written
