"""`pqstats compare`: paired bootstrap over genes and the Wilcoxon signed-rank test."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon

from pqstats import evaluation as ev
from pqstats.cli import main
from pqstats.screens import load_dir


def _per_gene(seed: int, shift: float = 0.0, n: int = 80) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    genes = pd.Index([f"G{i}" for i in range(n)], name="gene")
    a = pd.Series(rng.uniform(0.5, 0.9, n), index=genes)
    b = pd.Series(a.to_numpy() - shift + rng.normal(0, 0.05, n), index=genes)
    return a, b


def test_wilcoxon_p_is_scipys_on_the_per_gene_values():
    a, b = _per_gene(0, shift=0.01)
    result = ev.compare_per_gene(a, b, n_boot=200)
    assert result["wilcoxon_p"] == pytest.approx(wilcoxon(a.to_numpy(), b.to_numpy()).pvalue,
                                                 rel=1e-12)
    assert result["delta"] == pytest.approx(float((a - b).mean()), abs=1e-12)


def test_a_against_itself_has_delta_zero_and_p_one():
    a, _ = _per_gene(1)
    result = ev.compare_per_gene(a, a.copy(), n_boot=200)
    assert result["delta"] == 0.0
    assert result["ci_low"] == 0.0 and result["ci_high"] == 0.0
    assert result["bootstrap_p"] == 1.0 and result["wilcoxon_p"] == 1.0


def test_swapping_a_and_b_flips_the_sign():
    a, b = _per_gene(2, shift=0.02)
    ab = ev.compare_per_gene(a, b, n_boot=500, random_state=3)
    ba = ev.compare_per_gene(b, a, n_boot=500, random_state=3)
    assert ba["delta"] == pytest.approx(-ab["delta"], abs=1e-12)
    assert ba["ci_low"] == pytest.approx(-ab["ci_high"], abs=1e-9)
    assert ba["ci_high"] == pytest.approx(-ab["ci_low"], abs=1e-9)
    assert ba["bootstrap_p"] == pytest.approx(ab["bootstrap_p"], abs=1e-12)
    assert ba["wilcoxon_p"] == pytest.approx(ab["wilcoxon_p"], rel=1e-12)


def test_a_clear_difference_is_significant_and_the_interval_holds_it():
    a, b = _per_gene(4, shift=0.05)
    result = ev.compare_per_gene(a, b, n_boot=1000)
    assert result["ci_low"] <= result["delta"] <= result["ci_high"]
    assert 0 < result["ci_low"]
    assert result["bootstrap_p"] < 0.01 and result["wilcoxon_p"] < 0.01


def test_different_genes_are_refused():
    a, b = _per_gene(5)
    with pytest.raises(ValueError, match="different genes"):
        ev.compare_per_gene(a, b.iloc[1:])


# --- on the real k562 dir test split, through the files and the CLI -------------------
@pytest.fixture
def k562_dir_files(tmp_path):
    test = load_dir("k562").query("split == 'test'")
    rng = np.random.default_rng(0)
    noisy = test["label"].to_numpy() + rng.normal(0, 1.5, len(test))
    a = test[["pert", "gene"]].assign(score=noisy)
    b = test[["pert", "gene"]].assign(score=rng.random(len(test)))
    pa, pb = tmp_path / "a.csv", tmp_path / "b.csv"
    a.to_csv(pa, index=False)
    b.sample(frac=1, random_state=1).to_csv(pb, index=False)  # row order does not matter
    return test, a, b, pa, pb


@pytest.mark.integration
def test_compare_files_match_the_per_gene_aurocs(k562_dir_files):
    test, a, b, pa, pb = k562_dir_files
    result = ev.compare_scores("k562", "dir", pa, pb, n_boot=300)
    ga = ev.auroc_by_group(test, a["score"].to_numpy())
    gb = ev.auroc_by_group(test, b.set_index(["pert", "gene"]).loc[
        list(zip(test.pert, test.gene, strict=True)), "score"].to_numpy())
    assert result["auroc_a"] == pytest.approx(ga.mean(), abs=1e-12)
    assert result["auroc_b"] == pytest.approx(gb.mean(), abs=1e-12)
    assert result["wilcoxon_p"] == pytest.approx(wilcoxon(ga.to_numpy(), gb.to_numpy()).pvalue,
                                                 rel=1e-12)
    assert result["n_genes"] == 150 and result["delta"] > 0


@pytest.mark.integration
def test_compare_cli_json(k562_dir_files, capsys):
    *_, pa, pb = k562_dir_files
    assert main(["compare", str(pa), str(pb), "--dataset", "K562", "--task", "dir",
                 "--n-boot", "200", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"delta", "ci_low", "ci_high", "bootstrap_p", "wilcoxon_p"} <= set(out)


@pytest.mark.integration
def test_compare_refuses_a_file_missing_test_pairs(k562_dir_files, tmp_path, capsys):
    test, a, _, pa, _ = k562_dir_files
    short = tmp_path / "short.csv"
    a.iloc[5:].to_csv(short, index=False)
    assert main(["compare", str(pa), str(short), "--dataset", "k562", "--task", "dir"]) == 2
    err = capsys.readouterr().err
    assert "pqstats compare: error: 5 of 3119 k562 dir test pairs have no prediction" in err
