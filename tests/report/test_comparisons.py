"""Best-vs-next-best comparisons and the literature's protocols in the report, from kept
scores: the significance mark, comparisons.csv, protocols.csv against sklearn, no refit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

import pqstats.fit_cache as fc
import pqstats.screens
from pqstats.best_cells import (
    COMPARISON_COLUMNS,
    PROTOCOL_COLUMNS,
    compare_best,
    protocol_metrics,
    write_best_cells,
)
from pqstats.cli import main
from pqstats.evaluation import RESULT_COLUMNS, auroc_by_group
from pqstats.models import get
from pqstats.report import SIGNIFICANCE_MARK, write_report

TOL = 1e-9


def _tables(seed: int = 0) -> dict[str, pd.DataFrame]:
    """Synthetic DE and Dir tables of one screen: 60 perts x 25 genes, 20 test perts;
    the Dir pairs are the DE pairs, as in PerturbQA."""
    rng = np.random.default_rng(seed)
    perts, genes = [f"P{i}" for i in range(60)], [f"G{j}" for j in range(25)]
    de = pd.DataFrame([(p, g) for p in perts for g in genes], columns=["pert", "gene"])
    de["label"] = (rng.random(len(de)) < 0.35).astype("int8")
    de["split"] = np.where(de["pert"].isin(perts[:40]), "train", "test")
    direction = de[de["label"] == 1].copy()
    direction["label"] = (rng.random(len(direction)) < 0.5).astype("int8")
    return {"de": de.reset_index(drop=True), "dir": direction.reset_index(drop=True)}


@pytest.fixture
def screen(monkeypatch, tmp_path):
    """The synthetic tables stand in for k562; a fresh, empty score cache; any fit fails."""
    tables = _tables()
    monkeypatch.setattr(pqstats.screens, "load_pairs",
                        lambda dataset, task: tables[task].copy())
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))

    def no_fit(*args, **kwargs):
        raise AssertionError("the report refitted a model")

    monkeypatch.setattr(fc, "fit_predict", no_fit)
    return tables


def _scores(tables, signal_best: float, signal_next: float, seed: int = 1) -> dict:
    """Kept scores: the best model has ``signal_best`` of the label, the next best
    ``signal_next``; probabilities in [0, 1]."""
    rng = np.random.default_rng(seed)
    kept = {}
    for task, table in tables.items():
        y = table.loc[table["split"] == "test", "label"].to_numpy(dtype=float)
        noise = rng.random((2, len(y)))
        for model, signal, n in (("xgboost", signal_best, noise[0]),
                                 ("logistic", signal_next, noise[1])):
            kept[("k562", task, "strict", model)] = np.clip(signal * y + (1 - signal) * n,
                                                            0, 1)
    return kept


def _results(kept: dict) -> pd.DataFrame:
    rows = []
    for (d, t, track, model), auroc in (
            (("k562", t, "strict", m), a) for t in ("de", "dir")
            for m, a in (("xgboost", 0.8), ("logistic", 0.7), ("prior", 0.5))):
        rows.append({"dataset": d, "task": t, "track": track, "model": model,
                     "auroc": auroc, "auroc_sd": 0.0, "ci_low": auroc - 0.02,
                     "ci_high": auroc + 0.02, "auprc": 0.5, "n_genes": 25, "n_seeds": 1,
                     "seconds": 1.0, "note": ""})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _per_gene_sklearn(test: pd.DataFrame, s: np.ndarray) -> pd.Series:
    df = test.assign(s=s)
    return df.groupby("gene").apply(
        lambda g: roc_auc_score(g["label"], g["s"]) if g["label"].nunique() == 2 else np.nan,
        include_groups=False).dropna()


def test_mark_appears_when_both_tests_are_significant(screen, tmp_path):
    kept = _scores(screen, 0.35, 0.05)
    results = _results(kept)
    cmp = compare_best(results, kept)
    assert list(cmp.columns) == COMPARISON_COLUMNS
    assert len(cmp) == 2 and set(cmp["best"]) == {"xgboost"}
    assert set(cmp["next_best"]) == {"logistic"}
    assert cmp["significant"].all() and (cmp[["bootstrap_p", "wilcoxon_p"]] < 0.05).all().all()
    # the Wilcoxon p is scipy's on the per-gene AUROCs, which equal sklearn's (the
    # per-gene values tie often, so scipy gets the very same floats: rounding at 1e-16
    # would change how the ties are ranked)
    test = screen["de"][screen["de"]["split"] == "test"]
    a = _per_gene_sklearn(test, kept[("k562", "de", "strict", "xgboost")])
    b = _per_gene_sklearn(test, kept[("k562", "de", "strict", "logistic")])
    per_gene = [auroc_by_group(test, kept[("k562", "de", "strict", m)])
                for m in ("xgboost", "logistic")]
    np.testing.assert_allclose(per_gene[0].to_numpy(), a.to_numpy(), atol=TOL)
    np.testing.assert_allclose(per_gene[1].to_numpy(), b.to_numpy(), atol=TOL)
    row = cmp[cmp["task"] == "de"].iloc[0]
    assert row["wilcoxon_p"] == pytest.approx(wilcoxon(*per_gene).pvalue, rel=1e-9)
    assert row["delta"] == pytest.approx(a.mean() - b.mean(), abs=TOL)
    assert row["ci_low"] < row["delta"] < row["ci_high"]

    write_best_cells(results, tmp_path, kept, n_boot=200)
    write_report(results, tmp_path, figures=False)
    md = (tmp_path / "benchmark.md").read_text()
    assert f"0.800{SIGNIFICANCE_MARK}" in md
    assert f"0.700{SIGNIFICANCE_MARK}" not in md  # only the best cell is marked
    assert "both p < 0.05" in md


def test_no_mark_when_the_difference_is_not_significant(screen, tmp_path):
    kept = _scores(screen, 0.3, 0.3)
    for task in ("de", "dir"):  # next best: the best with a tiny change on a few pairs
        s = kept[("k562", task, "strict", "xgboost")].copy()
        s[:5] = s[:5][::-1]
        kept[("k562", task, "strict", "logistic")] = s
    results = _results(kept)
    cmp = compare_best(results, kept)
    assert not cmp["significant"].any()
    assert (cmp[["bootstrap_p", "wilcoxon_p"]].max(axis=1) >= 0.05).all()
    write_best_cells(results, tmp_path, kept, n_boot=200)
    write_report(results, tmp_path, figures=False)
    md = (tmp_path / "benchmark.md").read_text()
    assert SIGNIFICANCE_MARK not in md.split("## Best vs next best")[0]
    assert "## Best vs next best" in md


def test_level_decides_the_mark(screen):
    kept = _scores(screen, 0.35, 0.05)
    results = _results(kept)
    strict = compare_best(results, kept, level=1e-300)
    assert not strict["significant"].any()
    with pytest.raises(ValueError, match="level must be in"):
        compare_best(results, kept, level=0)


def test_comparisons_csv_columns_and_report_redraw_without_refit(screen, tmp_path, capsys):
    kept = _scores(screen, 0.35, 0.05)
    results = _results(kept)
    paths = write_best_cells(results, tmp_path, kept, n_boot=200)
    assert [p.name for p in paths] == ["comparisons.csv", "protocols.csv"]
    table = pd.read_csv(tmp_path / "comparisons.csv")
    assert list(table.columns) == COMPARISON_COLUMNS
    assert list(pd.read_csv(tmp_path / "protocols.csv").columns) == PROTOCOL_COLUMNS
    results.to_csv(tmp_path / "benchmark.csv", index=False)
    # `pqstats report` redraws the marks and sections from the CSVs; fit_predict raises
    assert main(["report", "--out", str(tmp_path), "--no-roc"]) == 0
    md = (tmp_path / "benchmark.md").read_text()
    assert f"0.800{SIGNIFICANCE_MARK}" in md
    assert "## The best models in other papers' protocols" in md
    assert "SynthPert" in md and "AROMA" in md


def test_stale_comparisons_are_not_shown(screen, tmp_path):
    kept = _scores(screen, 0.35, 0.05)
    results = _results(kept)
    write_best_cells(results, tmp_path, kept, n_boot=200)
    results.loc[results["model"] == "logistic", "auroc"] = 0.9  # another run's table
    write_report(results, tmp_path, figures=False)
    md = (tmp_path / "benchmark.md").read_text()
    assert SIGNIFICANCE_MARK not in md


def test_protocols_equal_sklearn(screen):
    kept = _scores(screen, 0.4, 0.1)
    results = _results(kept)
    table = protocol_metrics(results, kept)
    assert list(table.columns) == PROTOCOL_COLUMNS
    assert list(table["task"]) == ["de", "dir", "effect"]
    by = table.set_index("task")
    assert by.loc["effect", "model"] == "xgboost + xgboost"
    for task in ("de", "dir"):
        t = screen[task]
        test = t[t["split"] == "test"]
        s = kept[("k562", task, "strict", "xgboost")]
        assert by.loc[task, "pooled_auroc"] == pytest.approx(
            roc_auc_score(test["label"], s), abs=TOL)
        assert by.loc[task, "auroc"] == pytest.approx(_per_gene_sklearn(test, s).mean(),
                                                      abs=TOL)
        per_pert = test.assign(s=s).groupby("pert").apply(
            lambda g: roc_auc_score(g["label"], g["s"]) if g["label"].nunique() == 2
            else np.nan, include_groups=False).dropna()
        assert by.loc[task, "auroc_per_pert"] == pytest.approx(per_pert.mean(), abs=TOL)
        per_gene_ap = test.assign(s=s).groupby("gene").apply(
            lambda g: average_precision_score(g["label"], g["s"])
            if g["label"].nunique() == 2 else np.nan, include_groups=False).dropna()
        assert by.loc[task, "auprc"] == pytest.approx(per_gene_ap.mean(), abs=TOL)
    # three classes, built here independently: 0 not DE, 1 down, 2 up
    de_test = screen["de"][screen["de"]["split"] == "test"].reset_index(drop=True)
    dir_test = screen["dir"][screen["dir"]["split"] == "test"].reset_index(drop=True)
    p_de = kept[("k562", "de", "strict", "xgboost")]
    up = dict(zip(zip(dir_test["pert"], dir_test["gene"], strict=True),
                  kept[("k562", "dir", "strict", "xgboost")], strict=True))
    truth_up = dict(zip(zip(dir_test["pert"], dir_test["gene"], strict=True),
                        dir_test["label"], strict=True))
    y, pred = [], []
    for (p, g, label), s in zip(de_test[["pert", "gene", "label"]].itertuples(index=False),
                                p_de, strict=True):
        y.append(0 if label == 0 else (2 if truth_up[(p, g)] == 1 else 1))
        pred.append(0 if s < 0.5 else (2 if up.get((p, g), 0.5) >= 0.5 else 1))
    assert by.loc["effect", "accuracy"] == pytest.approx(accuracy_score(y, pred), abs=TOL)
    assert by.loc["effect", "macro_f1"] == pytest.approx(
        f1_score(y, pred, average="macro", zero_division=0), abs=TOL)
    assert by.loc["effect", "n_pairs"] == len(de_test)
    missing = sum(1 for (p, g), s in zip(zip(de_test["pert"], de_test["gene"], strict=True),
                                         p_de, strict=True) if s >= 0.5 and (p, g) not in up)
    assert by.loc["effect", "n_without_direction"] == missing > 0
    assert set(pred) == {0, 1, 2}  # every class is predicted: the F1 mean is over three


def test_missing_scores_are_read_from_the_cache_never_refitted(screen, tmp_path):
    kept = _scores(screen, 0.35, 0.05)
    results = _results(kept)
    # the next best's DE scores are in the score cache, not kept
    cached = kept.pop(("k562", "de", "strict", "logistic"))
    path = fc._score_cache_path("logistic", get("logistic"), "k562", "de", "strict",
                                screen["de"])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, scores=cached, seconds=1.0)
    # the next best's Dir scores are neither kept nor cached: a note, no fit
    kept.pop(("k562", "dir", "strict", "logistic"))
    cmp = compare_best(results, kept, n_boot=200).set_index("task")
    assert cmp.loc["de", "note"] == ""
    assert bool(cmp.loc["de", "significant"])
    assert "no test scores of logistic kept or cached" in cmp.loc["dir", "note"]
    assert pd.isna(cmp.loc["dir", "wilcoxon_p"]) and not cmp.loc["dir", "significant"]
    table = protocol_metrics(results, {k: v for k, v in kept.items() if k[1] == "de"})
    assert table.set_index("task").loc["dir", "note"].startswith("no test scores of xgboost")
    assert table.set_index("task").loc["effect", "note"] != ""
